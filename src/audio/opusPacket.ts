/**
 * Opus packet structure (RFC 6716 section 3): the TOC byte says the frame size and how many frames a packet
 * holds, so a packet of several 20 ms frames can be cut into one packet per frame without decoding.
 */

/** Samples (at 48 kHz) of each frame of a packet with this TOC byte: SILK 10/20/40/60 ms, hybrid 10/20, CELT 2.5/5/10/20. */
export function opusFrameSamples(toc: number): number {
  const config = toc >> 3;
  if (config < 12) return [480, 960, 1920, 2880][config % 4]!;
  if (config < 16) return [480, 960][config % 2]!;
  return [120, 240, 480, 960][config % 4]!;
}

/** Samples (at 48 kHz) that one Opus packet decodes to, from its TOC byte (0 for an empty packet). */
export function opusPacketSamples(packet: Uint8Array): number {
  const toc = packet[0];
  if (toc === undefined) return 0;
  const code = toc & 3;
  const frames = code === 0 ? 1 : code === 3 ? (packet[1] ?? 0) & 0x3f : 2;
  return opusFrameSamples(toc) * frames;
}

/** A frame length of RFC 6716 section 3.2.1: one byte below 252, else two; undefined past the end. */
function frameLength(packet: Uint8Array, at: number): { length: number; size: number } | undefined {
  const first = packet[at];
  if (first === undefined) return undefined;
  if (first < 252) return { length: first, size: 1 };
  const second = packet[at + 1];
  if (second === undefined) return undefined;
  return { length: first + 4 * second, size: 2 };
}

/** The compressed frames of a packet (views into it), or undefined when the packet is malformed. */
export function opusFrames(packet: Uint8Array): Uint8Array[] | undefined {
  const toc = packet[0];
  if (toc === undefined) return undefined;
  const code = toc & 3;
  if (code === 0) return [packet.subarray(1)];
  if (code === 1) {
    const body = packet.length - 1;
    if (body % 2 !== 0) return undefined;
    return [packet.subarray(1, 1 + body / 2), packet.subarray(1 + body / 2)];
  }
  if (code === 2) {
    const first = frameLength(packet, 1);
    if (!first) return undefined;
    const start = 1 + first.size;
    if (start + first.length > packet.length) return undefined;
    return [packet.subarray(start, start + first.length), packet.subarray(start + first.length)];
  }
  // Code 3: frame count byte (VBR flag, padding flag, count), padding length, frame lengths if VBR.
  const header = packet[1];
  if (header === undefined) return undefined;
  const count = header & 0x3f;
  const vbr = (header & 0x80) !== 0;
  if (count === 0) return undefined;
  let at = 2;
  let padding = 0;
  if (header & 0x40) {
    for (;;) {
      const p = packet[at++];
      if (p === undefined) return undefined;
      padding += p === 255 ? 254 : p;
      if (p !== 255) break;
    }
  }
  const end = packet.length - padding;
  const lengths: number[] = [];
  if (vbr) {
    for (let i = 0; i < count - 1; i++) {
      const l = frameLength(packet, at);
      if (!l) return undefined;
      lengths.push(l.length);
      at += l.size;
    }
    const used = lengths.reduce((a, b) => a + b, 0);
    lengths.push(end - at - used);
  } else {
    const body = end - at;
    if (body < 0 || body % count !== 0) return undefined;
    for (let i = 0; i < count; i++) lengths.push(body / count);
  }
  const frames: Uint8Array[] = [];
  for (const length of lengths) {
    if (length < 0 || at + length > end) return undefined;
    frames.push(packet.subarray(at, at + length));
    at += length;
  }
  return frames;
}

/**
 * One single-frame packet (code 0) per frame of `packet`, each with the packet's configuration; a packet that
 * is one already comes back itself, not a copy. Undefined when the packet is malformed.
 */
export function splitOpusPacket(packet: Buffer): Buffer[] | undefined {
  const toc = packet[0];
  const frames = opusFrames(packet);
  if (toc === undefined || !frames) return undefined;
  if ((toc & 3) === 0) return [packet];
  return frames.map((frame) => {
    const single = Buffer.allocUnsafe(frame.length + 1);
    single[0] = toc & 0xfc;
    single.set(frame, 1);
    return single;
  });
}
