import { encode } from 'uqr';

// QR codes of the play URL for the host and big-screen pages, drawn as one SVG path (the pages'
// CSP allows no inline markup or remote images, and a path scales to any projector). The encoding
// itself is the uqr package's; this only turns its module matrix into a path. No DOM here, so unit
// tests run these in Node (qr-svg.ts draws it).

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
