// /favicon.ico: a 32 × 32 green disc (a PNG inside an ICO container), so browsers stop asking for a 404. Drawn on the
// first request for it, not at load: the API's cold start serves other routes first.
import { crc32, deflateSync } from "node:zlib";

const SIZE = 32;

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "latin1");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** RGBA rows, each led by filter byte 0: a disc in the page's "up" green, edges softened. */
function discPng(): Buffer {
  const rows = Buffer.alloc(SIZE * (SIZE * 4 + 1));
  const center = (SIZE - 1) / 2;
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const distance = Math.hypot(x - center, y - center);
      const alpha = Math.max(0, Math.min(1, SIZE / 2 - distance));
      const at = y * (SIZE * 4 + 1) + 1 + x * 4;
      rows[at] = 0x1a; rows[at + 1] = 0x7f; rows[at + 2] = 0x37; rows[at + 3] = Math.round(alpha * 255);
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(SIZE, 0);
  header.writeUInt32BE(SIZE, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", header), chunk("IDAT", deflateSync(rows)), chunk("IEND", Buffer.alloc(0))]);
}

function ico(png: Buffer): Buffer {
  const header = Buffer.alloc(22);
  header.writeUInt16LE(0, 0); // reserved
  header.writeUInt16LE(1, 2); // icon
  header.writeUInt16LE(1, 4); // one image
  header[6] = SIZE; header[7] = SIZE; header[8] = 0; header[9] = 0;
  header.writeUInt16LE(1, 10); // planes
  header.writeUInt16LE(32, 12); // bits per pixel
  header.writeUInt32LE(png.length, 14);
  header.writeUInt32LE(22, 18); // offset of the image
  return Buffer.concat([header, png]);
}

let drawn: Uint8Array<ArrayBuffer> | undefined;

/** The icon's bytes, drawn once. */
export const faviconIco = (): Uint8Array<ArrayBuffer> => (drawn ??= new Uint8Array(ico(discPng())));
