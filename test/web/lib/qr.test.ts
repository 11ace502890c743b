import jsQR from 'jsqr';
import { qrMatrix, qrPath } from '../../../web/src/lib/qr';

// The QR code the host and big screen draw: the path must cover exactly the dark modules, and what
// it draws must scan back to the URL (read by jsQR, a decoder that shares nothing with the encoder).

/** The modules the path paints, back as a matrix. */
function painted(path: string, size: number, margin: number): boolean[][] {
  const grid = Array.from({ length: size }, () => Array<boolean>(size).fill(false));
  for (const [, x, y, w] of path.matchAll(/M(\d+) (\d+)h(\d+)v1h-\d+z/g)) {
    for (let i = 0; i < Number(w); i++) grid[Number(y) - margin]![Number(x) - margin + i] = true;
  }
  return grid;
}

/** RGBA pixels of the drawing, `scale` pixels per module, with a white quiet zone. */
function raster(matrix: boolean[][], scale: number, quiet: number): { data: Uint8ClampedArray; width: number } {
  const width = (matrix.length + 2 * quiet) * scale;
  const data = new Uint8ClampedArray(width * width * 4).fill(255);
  matrix.forEach((row, y) =>
    row.forEach((dark, x) => {
      if (!dark) return;
      for (let dy = 0; dy < scale; dy++) {
        for (let dx = 0; dx < scale; dx++) {
          const at = (((y + quiet) * scale + dy) * width + (x + quiet) * scale + dx) * 4;
          data[at] = data[at + 1] = data[at + 2] = 0;
        }
      }
    }),
  );
  return { data, width };
}

test.each(['http://127.0.0.1:8090/play.html?pin=482913', 'https://quiz.example.org/play.html?quiz=a-very-long-quiz-id_with-64-characters-0123456789-abcdefghijklm'])(
  'the drawn code for %s scans back to it',
  (url) => {
    const matrix = qrMatrix(url);
    const path = qrPath(matrix, 4);
    const drawn = painted(path, matrix.length, 4);
    expect(drawn).toEqual(matrix);
    const { data, width } = raster(drawn, 4, 4);
    expect(jsQR(data, width, width)?.data).toBe(url);
  },
);
