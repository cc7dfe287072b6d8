/**
 * The few MLS (RFC 9420) structures Discord's voice gateway writes or reads as the DAVE external sender, TLS-encoded
 * on node:crypto: the ExternalSender of op 25, Add and Remove proposals as PublicMessages signed by external sender 0
 * (op 27), and the split of a client's op 28 (commit MLSMessage followed by a raw Welcome, no length prefix).
 * Cipher suite 2 only (DHKEMP256_AES128GCM_SHA256_P256: ECDSA P-256 with SHA-256, DER signatures).
 */
import { createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

const MLS10 = 1;
const WIRE_PUBLIC_MESSAGE = 1;
const SENDER_MEMBER = 1;
const SENDER_EXTERNAL = 2;
const CONTENT_PROPOSAL = 2;
const CONTENT_COMMIT = 3;
const PROPOSAL_ADD = 1;
const PROPOSAL_REMOVE = 3;
const CREDENTIAL_BASIC = 1;

/** An MLS variable-length integer (RFC 9420 §2.1.2): 1, 2 or 4 bytes. */
export function varint(n: number): Buffer {
  if (n < 0x40) return Buffer.from([n]);
  if (n < 0x4000) return Buffer.from([0x40 | (n >> 8), n & 0xff]);
  if (n < 0x40000000) {
    const b = Buffer.alloc(4);
    b.writeUInt32BE((0x80000000 | n) >>> 0);
    return b;
  }
  throw new RangeError(`MLS varint too large: ${n}`);
}

/** A `<V>` vector: varint length, then the bytes. */
export function vec(...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([varint(body.length), body]);
}

function u8(n: number): Buffer {
  return Buffer.from([n]);
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

function u64(n: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(n);
  return b;
}

/** A Discord snowflake as MLS group id or credential identity: u64 big-endian. */
export function snowflakeBytes(id: string): Buffer {
  return u64(BigInt(id));
}

/** Reads TLS-encoded data; every read throws a RangeError past the end. */
class Reader {
  offset = 0;
  constructor(private readonly buf: Buffer) {}

  u8(): number {
    this.#need(1);
    return this.buf.readUInt8(this.offset++);
  }

  u16(): number {
    this.#need(2);
    const v = this.buf.readUInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  u32(): number {
    this.#need(4);
    const v = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  u64(): bigint {
    this.#need(8);
    const v = this.buf.readBigUInt64BE(this.offset);
    this.offset += 8;
    return v;
  }

  vec(): Buffer {
    const first = this.u8();
    const prefix = first >> 6;
    let length = first & 0x3f;
    if (prefix === 1) length = (length << 8) | this.u8();
    else if (prefix === 2) {
      this.offset -= 1;
      length = this.u32() & 0x3fffffff;
    } else if (prefix === 3) throw new RangeError('invalid MLS varint prefix');
    this.#need(length);
    const v = this.buf.subarray(this.offset, this.offset + length);
    this.offset += length;
    return v;
  }

  skip(n: number): void {
    this.#need(n);
    this.offset += n;
  }

  #need(n: number): void {
    if (this.offset + n > this.buf.length) throw new RangeError(`MLS data truncated at ${this.offset} (+${n} of ${this.buf.length})`);
  }
}

/** Discord's side of the MLS group: the external sender key and the proposals it signs. */
export class ExternalSender {
  readonly #privateKey: KeyObject;
  /** The uncompressed P-256 point (65 bytes, starts 04). */
  readonly publicKey: Buffer;
  readonly identity: Buffer;

  /** `identity`: Discord's own external sender has a one-byte identity 00 (captured in davey's tests). */
  constructor(identity: Buffer = Buffer.alloc(1)) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    this.#privateKey = createPrivateKey(privateKey.export({ format: 'pem', type: 'pkcs8' }));
    const spki = publicKey.export({ format: 'der', type: 'spki' });
    this.publicKey = spki.subarray(spki.length - 65);
    this.identity = identity;
  }

  /** The op 25 payload: ExternalSender { signature_key<V>, Credential { u16 basic, identity<V> } }. */
  package(): Buffer {
    return Buffer.concat([vec(this.publicKey), u16(CREDENTIAL_BASIC), vec(this.identity)]);
  }

  /** An Add proposal for `keyPackage` (a raw KeyPackage, as op 26 carries it), as an MLSMessage. */
  proposeAdd(groupId: Buffer, epoch: bigint, keyPackage: Buffer): Buffer {
    return this.#proposal(groupId, epoch, Buffer.concat([u16(PROPOSAL_ADD), keyPackage]));
  }

  /** A Remove proposal for the member at `leafIndex`, as an MLSMessage. */
  proposeRemove(groupId: Buffer, epoch: bigint, leafIndex: number): Buffer {
    return this.#proposal(groupId, epoch, Buffer.concat([u16(PROPOSAL_REMOVE), u32(leafIndex)]));
  }

  #proposal(groupId: Buffer, epoch: bigint, proposal: Buffer): Buffer {
    const header = Buffer.concat([u16(MLS10), u16(WIRE_PUBLIC_MESSAGE)]);
    const content = Buffer.concat([
      vec(groupId), u64(epoch), u8(SENDER_EXTERNAL), u32(0), vec(), u8(CONTENT_PROPOSAL), proposal,
    ]);
    // FramedContentTBS of an external sender carries no GroupContext (RFC 9420 §6.1).
    const tbs = Buffer.concat([header, content]);
    const signContent = Buffer.concat([vec(Buffer.from('MLS 1.0 FramedContentTBS')), vec(tbs)]);
    const signature = sign('sha256', signContent, { key: this.#privateKey, dsaEncoding: 'der' });
    return Buffer.concat([header, content, vec(signature)]);
  }
}

/** The op 27 payload appending proposals: operation type 0, then the vector of MLSMessages. */
export function appendProposals(messages: readonly Buffer[]): Buffer {
  return Buffer.concat([u8(0), vec(...messages)]);
}

/** A client's op 28: the commit (a PublicMessage MLSMessage), its epoch, and the Welcome after it if any. */
export interface CommitWelcome {
  commit: Buffer;
  /** The epoch the commit was made in (the group moves to epoch + 1). */
  epoch: bigint;
  welcome: Buffer | undefined;
}

/** Splits op 28 by decoding the commit (RFC 9420 §6, §12.4, §7.2); throws a RangeError on anything else. */
export function splitCommitWelcome(payload: Buffer): CommitWelcome {
  const r = new Reader(payload);
  if (r.u16() !== MLS10 || r.u16() !== WIRE_PUBLIC_MESSAGE) throw new RangeError('op 28 does not start with a PublicMessage');
  r.vec(); // group_id
  const epoch = r.u64();
  const senderType = r.u8();
  if (senderType === SENDER_MEMBER || senderType === SENDER_EXTERNAL) r.u32();
  r.vec(); // authenticated_data
  if (r.u8() !== CONTENT_COMMIT) throw new RangeError('op 28 does not carry a commit');
  r.vec(); // proposals
  if (r.u8() === 1) {
    skipLeafNode(r);
    r.vec(); // nodes
  }
  r.vec(); // signature
  r.vec(); // confirmation_tag
  if (senderType === SENDER_MEMBER) r.vec(); // membership_tag
  const rest = payload.subarray(r.offset);
  return { commit: payload.subarray(0, r.offset), epoch, welcome: rest.length > 0 ? rest : undefined };
}

function skipLeafNode(r: Reader): void {
  r.vec(); // encryption_key
  r.vec(); // signature_key
  r.u16(); // credential type (basic: identity<V>; x509: certificates<V>)
  r.vec();
  for (let i = 0; i < 5; i += 1) r.vec(); // capabilities: versions, cipher_suites, extensions, proposals, credentials
  const source = r.u8();
  if (source === 1) r.skip(16); // lifetime
  else if (source === 3) r.vec(); // parent_hash
  r.vec(); // extensions
  r.vec(); // signature
}
