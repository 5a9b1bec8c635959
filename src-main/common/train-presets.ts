import type { TrainPresetId, TrainSettings, TrainSpace } from '../contracts/train';

/**
 * Training presets of a training run (issue #10), per space. Any field can be overridden
 * (`l2nas train --epochs …`, the API's `settings`); config.json records the preset and the
 * settings it resolved to.
 */
export interface TrainPreset {
  id: TrainPresetId;
  description: string;
  settings: Record<TrainSpace, TrainSettings>;
}

export const TRAIN_PRESETS: Record<TrainPresetId, TrainPreset> = {
  default: {
    id: 'default',
    description: 'the final-training recipe (SGD momentum 0.9, cosine learning rate to 0) at the full network size, but 10 epochs',
    settings: {
      nb201: { channels: 16, layers: 5, epochs: 10, batchSize: 64, lrMax: 0.1, lrMin: 0, momentum: 0.9, weightDecay: 5e-4, cutout: 0, auxWeight: 0, dropPath: 0 },
      darts: { channels: 36, layers: 20, epochs: 10, batchSize: 96, lrMax: 0.025, lrMin: 0, momentum: 0.9, weightDecay: 3e-4, cutout: 16, auxWeight: 0.4, dropPath: 0.2 },
      // OFA's train_ofa_net.py optimiser: SGD momentum 0.9, base lr 0.03 per 64 images, weight decay
      // 3e-5, cosine (its label smoothing 0.1 and dropout 0.1 are not in this trainer); width and
      // stride layout of the OFA supernet's small-image defaults: w0.25 (C = 25), four stride-2 steps.
      ofa: { channels: 25, layers: 4, epochs: 10, batchSize: 64, lrMax: 0.03, lrMin: 0, momentum: 0.9, weightDecay: 3e-5, cutout: 0, auxWeight: 0, dropPath: 0 },
    },
  },
  final: {
    id: 'final',
    description:
      "the paper's final training (REFERENCE.md: DARTS space, 1000 epochs, batch 96, lr 0.025 → 0 cosine, auxiliary weight 0.4, drop-path 0.2, cutout 16, C = 36, 20 cells; weight decay 3e-4 as DARTS's train.py). " +
      "NAS-Bench-201: the benchmark's own 200-epoch protocol (batch 256, lr 0.1 → 0 cosine, weight decay 5e-4, C = 16, N = 5; its Nesterov momentum is plain momentum here)",
    settings: {
      nb201: { channels: 16, layers: 5, epochs: 200, batchSize: 256, lrMax: 0.1, lrMin: 0, momentum: 0.9, weightDecay: 5e-4, cutout: 0, auxWeight: 0, dropPath: 0 },
      darts: { channels: 36, layers: 20, epochs: 1000, batchSize: 96, lrMax: 0.025, lrMin: 0, momentum: 0.9, weightDecay: 3e-4, cutout: 16, auxWeight: 0.4, dropPath: 0.2 },
      // OFA at ImageNet scale: w1.0 (C = 100) with its five stride-2 steps, train_ofa_net.py's optimiser for 120 epochs (the length of its long phases).
      ofa: { channels: 100, layers: 5, epochs: 120, batchSize: 64, lrMax: 0.03, lrMin: 0, momentum: 0.9, weightDecay: 3e-5, cutout: 0, auxWeight: 0, dropPath: 0 },
    },
  },
  cpu: {
    id: 'cpu',
    description: 'a small network and few images for a CPU in minutes: NB201 C = 8, N = 1; DARTS C = 16, 5 cells, no auxiliary head; 3 epochs on 1,024 training images',
    settings: {
      nb201: { channels: 8, layers: 1, epochs: 3, batchSize: 32, lrMax: 0.1, lrMin: 0, momentum: 0.9, weightDecay: 5e-4, cutout: 0, auxWeight: 0, dropPath: 0, trainImages: 1024, valImages: 512, testImages: 1024 },
      darts: { channels: 16, layers: 5, epochs: 3, batchSize: 32, lrMax: 0.025, lrMin: 0, momentum: 0.9, weightDecay: 3e-4, cutout: 8, auxWeight: 0, dropPath: 0.2, trainImages: 1024, valImages: 512, testImages: 1024 },
      ofa: { channels: 25, layers: 4, epochs: 3, batchSize: 32, lrMax: 0.03, lrMin: 0, momentum: 0.9, weightDecay: 3e-5, cutout: 0, auxWeight: 0, dropPath: 0, trainImages: 1024, valImages: 512, testImages: 1024 },
    },
  },
};
