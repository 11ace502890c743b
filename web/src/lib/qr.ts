import { encode } from 'uqr';

// QR codes of the play URL for the host and big-screen pages, drawn as one SVG path (the pages'
// CSP allows no inline markup or remote images, and a path scales to any projector). The encoding
// itself is the uqr package's; this only turns its module matrix into a path.

/** Dark modules, rows of columns, without the quiet zone (the drawing adds it). */
export function qrMatrix(text: string): boolean[][] {
  return encode(text, { ecc: 'M', border: 0 }).data;
}

/** One rectangle per horizontal run of dark modules, in module units, offset by `margin`. */
export function qrPath(matrix: boolean[][], margin: number): string {
  const parts: string[] = [];
  matrix.forEach((row, y) => {
    for (let x = 0; x < row.length; x++) {
      if (!row[x]) continue;
      const start = x;
      while (row[x + 1]) x++;
      parts.push(`M${start + margin} ${y + margin}h${x - start + 1}v1h-${x - start + 1}z`);
    }
  });
  return parts.join('');
}

const SVG = 'http://www.w3.org/2000/svg';
const QUIET_ZONE = 4; // modules of white around the code, as the standard asks

/** An <svg> of the code for `text`, black on white whatever the page's colours, labelled for screen readers. */
export function qrSvg(text: string, label: string): SVGSVGElement {
  const matrix = qrMatrix(text);
  const size = matrix.length + 2 * QUIET_ZONE;
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${size} ${size}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  svg.setAttribute('shape-rendering', 'crispEdges');
  svg.setAttribute('class', 'qr');
  svg.dataset.text = text;
  const background = document.createElementNS(SVG, 'rect');
  background.setAttribute('width', String(size));
  background.setAttribute('height', String(size));
  background.setAttribute('fill', '#fff');
  const modules = document.createElementNS(SVG, 'path');
  modules.setAttribute('d', qrPath(matrix, QUIET_ZONE));
  modules.setAttribute('fill', '#000');
  svg.append(background, modules);
  return svg;
}
