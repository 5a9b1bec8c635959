import { DOMParser, XMLSerializer, onErrorStopParsing, type Element, type Node } from '@xmldom/xmldom';

/**
 * The SVG of an exported figure, checked against an allow-list on the parsed XML tree (not with
 * regular expressions on the text: `<image/onerror=…>` or `jav&#x61;script:` slip past those).
 * Only the elements and attributes our architecture figures use (src-renderer/components/arch)
 * are kept; anything else — script, foreignObject, image, a, use, style sheets, event handlers,
 * links or url() references outside the document — refuses the whole figure. The file written is
 * the serialisation of the checked tree, so nothing the parser read differently can pass through.
 */

export const SVG_NS = 'http://www.w3.org/2000/svg';
const XLINK_NS = 'http://www.w3.org/1999/xlink';

const ELEMENTS = new Set(['svg', 'g', 'defs', 'title', 'desc', 'rect', 'circle', 'ellipse', 'line', 'polyline', 'polygon', 'path', 'text', 'tspan', 'marker', 'linearGradient', 'radialGradient', 'stop', 'clipPath']);

const ATTRIBUTES = new Set([
  'xmlns', 'id', 'class', 'role', 'tabindex', 'lang', 'style', 'version',
  'width', 'height', 'x', 'y', 'x1', 'y1', 'x2', 'y2', 'cx', 'cy', 'r', 'rx', 'ry', 'dx', 'dy', 'd', 'points', 'viewBox', 'preserveAspectRatio', 'transform',
  'fill', 'fill-opacity', 'fill-rule', 'stroke', 'stroke-width', 'stroke-dasharray', 'stroke-dashoffset', 'stroke-linecap', 'stroke-linejoin', 'stroke-opacity', 'opacity', 'color',
  'font-family', 'font-size', 'font-weight', 'font-style', 'text-anchor', 'dominant-baseline', 'alignment-baseline', 'letter-spacing',
  'marker-start', 'marker-mid', 'marker-end', 'markerWidth', 'markerHeight', 'markerUnits', 'refX', 'refY', 'orient',
  'offset', 'stop-color', 'stop-opacity', 'gradientUnits', 'gradientTransform', 'clip-path', 'clipPathUnits', 'visibility', 'display',
]);
const FREE_ATTRIBUTE = /^(data|aria)-[a-z0-9-]{1,64}$/;

export class SvgRefused extends Error {}

/** A value that could reach outside the document or into script: only url(#id) references are kept. */
function unsafeValue(v: string): string | null {
  const s = v.toLowerCase();
  // CSS escapes (\75 rl) would hide a url() or expression() from the checks below.
  if (s.includes('\\')) return 'a backslash (CSS escape)';
  if (/javascript:|vbscript:|data:|expression\s*\(|@import|behavior\s*:|-moz-binding/.test(s.replace(/\s+/g, ' '))) return 'a script or external reference';
  for (const m of s.matchAll(/url\s*\(\s*(['"]?)([^'")]*)\1\s*\)/g)) if (!m[2].startsWith('#')) return 'a url() that is not a #reference';
  if (/url\s*\(/.test(s) && !/url\s*\(\s*['"]?#/.test(s)) return 'a url() that is not a #reference';
  return null;
}

function checkElement(el: Element, where: string): void {
  const tag = el.localName ?? el.nodeName;
  if (el.namespaceURI !== SVG_NS || !ELEMENTS.has(tag)) throw new SvgRefused(`element <${tag.slice(0, 64)}> (${where}) is not allowed in an exported figure`);
  for (let i = 0; i < el.attributes.length; i++) {
    const a = el.attributes[i];
    const name = a.name;
    if (name === 'xmlns' || name === 'xmlns:xlink') {
      if (a.value !== (name === 'xmlns' ? SVG_NS : XLINK_NS)) throw new SvgRefused(`attribute ${name} of <${tag}> names another namespace`);
      continue;
    }
    if (name === 'href' || name === 'xlink:href') {
      // Only a reference into this document (a marker, a gradient); never a link or a file.
      if ((name === 'href' ? a.namespaceURI : a.namespaceURI !== XLINK_NS) || !/^#[A-Za-z0-9_.:-]+$/.test(a.value)) throw new SvgRefused(`attribute ${name} of <${tag}> may only refer to #an-id in the figure`);
      continue;
    }
    if (!(ATTRIBUTES.has(name) || FREE_ATTRIBUTE.test(name)) || a.namespaceURI) {
      throw new SvgRefused(`attribute ${name.slice(0, 64)} of <${tag}> is not allowed in an exported figure`);
    }
    const bad = unsafeValue(a.value);
    if (bad) throw new SvgRefused(`attribute ${name} of <${tag}> holds ${bad}`);
  }
  // Iterate over a copy: comments and processing instructions are removed as we go.
  for (const child of Array.from(el.childNodes as ArrayLike<Node>)) {
    switch (child.nodeType) {
      case child.ELEMENT_NODE:
        checkElement(child as Element, `in <${tag}>`);
        break;
      case child.TEXT_NODE:
        break;
      case child.COMMENT_NODE:
      case child.PROCESSING_INSTRUCTION_NODE:
        el.removeChild(child);
        break;
      default:
        throw new SvgRefused(`a ${child.nodeName} node in <${tag}> is not allowed in an exported figure`);
    }
  }
}

/** Checks an SVG document and returns its clean serialisation; throws SvgRefused naming what is wrong. */
export function sanitiseSvg(text: string): string {
  let doc;
  try {
    doc = new DOMParser({ onError: onErrorStopParsing }).parseFromString(text, 'image/svg+xml');
  } catch {
    throw new SvgRefused('the content is not well-formed XML');
  }
  for (const n of Array.from(doc.childNodes as ArrayLike<Node>)) {
    if (n.nodeType === n.DOCUMENT_TYPE_NODE) throw new SvgRefused('a DOCTYPE is not allowed in an exported figure');
    if (n.nodeType === n.COMMENT_NODE || n.nodeType === n.PROCESSING_INSTRUCTION_NODE) doc.removeChild(n);
  }
  const root = doc.documentElement;
  if (!root || root.localName !== 'svg' || root.namespaceURI !== SVG_NS) throw new SvgRefused(`the content is not an SVG document (it must be <svg xmlns="${SVG_NS}">)`);
  checkElement(root, 'the root');
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(root)}\n`;
}
