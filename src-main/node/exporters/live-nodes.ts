import { inputsOf, type NetworkDescription } from '../../core/network/network';

/**
 * Ids of the nodes the output depends on. A NAS-Bench-201 cell whose only edge out of a node is
 * `none` leaves that node's computation unread (the benchmark still counts its MACs, as its
 * PyTorch code computes it and multiplies by zero). Exported graphs leave such nodes out:
 * `tf.loadGraphModel` takes every unread node for an output, so a model with one dead node
 * predicted an array of tensors instead of the logits; ONNX would carry the dead weights.
 */
export function liveNodes(desc: NetworkDescription): Set<string> {
  const byId = new Map(desc.nodes.map((n) => [n.id, n] as const));
  const live = new Set<string>();
  const todo = [desc.output];
  while (todo.length) {
    const id = todo.pop()!;
    if (live.has(id)) continue;
    live.add(id);
    const n = byId.get(id);
    if (!n) throw new Error(`network: node ${id} is read but not defined`);
    todo.push(...inputsOf(n));
  }
  return live;
}
