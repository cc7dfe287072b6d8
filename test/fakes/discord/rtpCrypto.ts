/**
 * RTP packets of Discord voice in the two `_rtpsize` AEAD modes, exactly as @discordjs/voice builds them
 * (Networking.createAudioPacket / encryptOpusPacket): the unencrypted header (12 bytes + CSRCs + the 4-byte
 * extension header when X is set) is the AAD; then ciphertext, 16-byte tag, and a 4-byte big-endian nonce
 * counter. AES-GCM uses the counter + 8 zero bytes as its 12-byte IV; XChaCha20-Poly1305 the counter + 20 zeros.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';

export type VoiceEncryptionMode = 'aead_aes256_gcm_rtpsize' | 'aead_xchacha20_poly1305_rtpsize';

export const VOICE_MODES: readonly VoiceEncryptionMode[] = ['aead_aes256_gcm_rtpsize', 'aead_xchacha20_poly1305_rtpsize'];

const TAG = 16;
const NONCE = 4;

export interface RtpHeader {
  sequence: number;
  timestamp: number;
  ssrc: number;
  payloadType: number;
  /** Bytes of unencrypted header (the AAD). */
  headerLength: number;
  hasExtension: boolean;
}

/** Reads an RTP header; undefined when the buffer is not RTP version 2. */
export function parseRtpHeader(packet: Buffer): RtpHeader | undefined {
  if (packet.length < 12 || (packet[0]! >> 6) !== 2) return undefined;
  const csrcCount = packet[0]! & 0x0f;
  const hasExtension = (packet[0]! & 0x10) !== 0;
  const headerLength = 12 + csrcCount * 4 + (hasExtension ? 4 : 0);
  if (packet.length < headerLength + TAG + NONCE) return undefined;
  return {
    sequence: packet.readUInt16BE(2), timestamp: packet.readUInt32BE(4), ssrc: packet.readUInt32BE(8),
    payloadType: packet[1]! & 0x7f, headerLength, hasExtension,
  };
}

function fullNonce(mode: VoiceEncryptionMode, counter: Buffer): Buffer {
  const nonce = Buffer.alloc(mode === 'aead_aes256_gcm_rtpsize' ? 12 : 24);
  counter.copy(nonce, 0);
  return nonce;
}

/**
 * Decrypts one packet and returns the Opus payload (extension body stripped). Throws when authentication
 * fails (wrong key, mode or AAD).
 */
export function decryptRtp(packet: Buffer, mode: VoiceEncryptionMode, key: Uint8Array): { header: RtpHeader; opus: Buffer } {
  const header = parseRtpHeader(packet);
  if (!header) throw new Error(`not an RTP packet (${packet.length} bytes)`);
  const aad = packet.subarray(0, header.headerLength);
  const nonce = fullNonce(mode, packet.subarray(packet.length - NONCE));
  const sealed = packet.subarray(header.headerLength, packet.length - NONCE);
  let plain: Buffer;
  if (mode === 'aead_aes256_gcm_rtpsize') {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce);
    decipher.setAAD(aad);
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG));
    plain = Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG)), decipher.final()]);
  } else {
    plain = Buffer.from(xchacha20poly1305(key, nonce, aad).decrypt(sealed));
  }
  if (header.hasExtension) {
    // The extension header (profile, length in 32-bit words) is AAD; its body is the start of the plaintext.
    const words = packet.readUInt16BE(header.headerLength - 2);
    plain = plain.subarray(words * 4);
  }
  return { header, opus: plain };
}

export interface RtpFields {
  sequence: number;
  timestamp: number;
  ssrc: number;
  nonce: number;
}

/** Builds a packet the way @discordjs/voice does (for tests of the fake's own receive path). */
export function encryptRtp(opus: Buffer, fields: RtpFields, mode: VoiceEncryptionMode, key: Uint8Array): Buffer {
  const header = Buffer.alloc(12);
  header[0] = 0x80;
  header[1] = 0x78;
  header.writeUInt16BE(fields.sequence & 0xffff, 2);
  header.writeUInt32BE(fields.timestamp >>> 0, 4);
  header.writeUInt32BE(fields.ssrc >>> 0, 8);
  const counter = Buffer.alloc(NONCE);
  counter.writeUInt32BE(fields.nonce >>> 0, 0);
  const nonce = fullNonce(mode, counter);
  let sealed: Buffer;
  if (mode === 'aead_aes256_gcm_rtpsize') {
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    cipher.setAAD(header);
    sealed = Buffer.concat([cipher.update(opus), cipher.final(), cipher.getAuthTag()]);
  } else {
    sealed = Buffer.from(xchacha20poly1305(key, nonce, header).encrypt(opus));
  }
  return Buffer.concat([header, sealed, counter]);
}
