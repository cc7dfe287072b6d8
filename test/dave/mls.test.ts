import davey from '@snazzah/davey';
import { describe, expect, it } from 'vitest';
import { ExternalSender, appendProposals, snowflakeBytes, splitCommitWelcome } from '../fakes/discord/dave/mls.js';

/** davey's MediaType.AUDIO (an ambient const enum, not importable as a value). */
const AUDIO = 0 as davey.MediaType;
const CHANNEL = '1234567890123456789';
const BOT = '111111111111111111';
const ALICE = '222222222222222222';
const BOB = '333333333333333333';
const OPUS = Buffer.from([0xfc, 1, 2, 3, 4, 5, 6, 7, 8, 9]);

/** A DAVE client as @discordjs/voice runs one: key package first, then the external sender of op 25. */
function client(userId: string, sender: ExternalSender): davey.DAVESession {
  const session = new davey.DAVESession(1, userId, CHANNEL);
  session.setExternalSender(sender.package());
  return session;
}

function proposals(messages: Buffer[]): Buffer {
  return appendProposals(messages).subarray(1);
}

/**
 * Bytes Discord sent in a real call (channel 927310423890473011), captured in Snazzah/davey's davey-node tests:
 * the op 25 payload, and the start of an op 27 payload (after the operation type) up to the proposed KeyPackage.
 */
const DISCORD_CHANNEL = '927310423890473011';
const DISCORD_EXTERNAL_SENDER_TAIL = Buffer.from([0x00, 0x01, 0x01, 0x00]); // basic credential, identity <00>
const DISCORD_PROPOSALS_HEAD = Buffer.from([
  0x00, 0x01, 0x00, 0x01, 0x08, 0x0c, 0xde, 0x77, 0xea, 0xdc, 0x82, 0x30, 0x33, 0x00, 0x00, 0x00, 0x00,
  0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01,
]);

describe('the fake external sender frames what Discord frames', () => {
  it('an ExternalSender laid out as Discord\'s: 40 41 04, the point, a basic credential with identity 00', () => {
    const pkg = new ExternalSender().package();
    expect(pkg.length).toBe(71);
    expect([...pkg.subarray(0, 3)]).toEqual([0x40, 0x41, 0x04]);
    expect(pkg.subarray(67)).toEqual(DISCORD_EXTERNAL_SENDER_TAIL);
  });

  it('an Add proposal whose MLSMessage header is byte for byte Discord\'s, then the KeyPackage, then a DER signature', () => {
    const keyPackage = Buffer.from([0xaa, 0xbb, 0xcc]);
    const payload = appendProposals([new ExternalSender().proposeAdd(snowflakeBytes(DISCORD_CHANNEL), 0n, keyPackage)]);
    const message = payload.subarray(3); // operation type 0, then a two-byte varint length
    expect([payload[0], payload[1]! >> 6]).toEqual([0, 1]);
    expect(message.subarray(0, DISCORD_PROPOSALS_HEAD.length)).toEqual(DISCORD_PROPOSALS_HEAD);
    expect(message.subarray(DISCORD_PROPOSALS_HEAD.length, DISCORD_PROPOSALS_HEAD.length + 3)).toEqual(keyPackage);
    const signature = message.subarray(DISCORD_PROPOSALS_HEAD.length + 3);
    expect([signature[0], signature[2]]).toEqual([0x40, 0x30]); // <V> of a DER SEQUENCE, as in Discord's
    expect(signature.length).toBe(2 + signature[1]!);
  });
});

describe('the fake external sender (MLS on node:crypto) against davey, the library @discordjs/voice uses', () => {
  it('writes an ExternalSender of a 65-byte P-256 key and a basic credential with the identity given', () => {
    const pkg = new ExternalSender(snowflakeBytes('42')).package();
    expect([...pkg.subarray(0, 3)]).toEqual([0x40, 0x41, 0x04]);
    expect(pkg.readUInt16BE(67)).toBe(1);
    expect(pkg.subarray(69)).toEqual(Buffer.concat([Buffer.from([8]), snowflakeBytes('42')]));
  });

  it('adds members with proposals the committer accepts, and splits its commit from the welcome', () => {
    const sender = new ExternalSender();
    const bot = client(BOT, sender);
    const alice = client(ALICE, sender);
    const { commit, welcome } = bot.processProposals(0, proposals([sender.proposeAdd(snowflakeBytes(CHANNEL), 0n, alice.getSerializedKeyPackage())]), [ALICE]);
    if (!commit || !welcome) throw new Error('the bot made no commit and welcome');
    const split = splitCommitWelcome(Buffer.concat([commit, welcome]));
    expect(split).toEqual({ commit, epoch: 0n, welcome });
    bot.processCommit(split.commit);
    alice.processWelcome(welcome);
    expect([bot.ready, alice.ready, bot.epoch, alice.epoch]).toEqual([true, true, 1n, 1n]);
    expect(alice.decrypt(BOT, AUDIO, bot.encryptOpus(OPUS))).toEqual(OPUS);
  });

  it('refuses proposals for another group (the group id is the channel id, u64 big-endian)', () => {
    const sender = new ExternalSender();
    const bot = client(BOT, sender);
    const alice = client(ALICE, sender);
    expect(() => bot.processProposals(0, proposals([sender.proposeAdd(snowflakeBytes('99'), 0n, alice.getSerializedKeyPackage())]), [ALICE])).toThrow();
  });

  it('refuses proposals signed by another external sender', () => {
    const sender = new ExternalSender();
    const bot = client(BOT, sender);
    const alice = client(ALICE, sender);
    const impostor = new ExternalSender();
    expect(() => bot.processProposals(0, proposals([impostor.proposeAdd(snowflakeBytes(CHANNEL), 0n, alice.getSerializedKeyPackage())]), [ALICE])).toThrow();
  });

  it('removes a member: a commit without welcome that the others follow', () => {
    const sender = new ExternalSender();
    const group = snowflakeBytes(CHANNEL);
    const bot = client(BOT, sender);
    const alice = client(ALICE, sender);
    const bob = client(BOB, sender);
    const adds = proposals([sender.proposeAdd(group, 0n, alice.getSerializedKeyPackage()), sender.proposeAdd(group, 0n, bob.getSerializedKeyPackage())]);
    const first = bot.processProposals(0, adds, [ALICE, BOB]);
    if (!first.commit || !first.welcome) throw new Error('no commit');
    bot.processCommit(first.commit);
    alice.processWelcome(first.welcome);
    bob.processWelcome(first.welcome);
    const leaf = alice.ownLeafIndex;
    if (leaf === null) throw new Error('alice has no leaf');
    const removal = proposals([sender.proposeRemove(group, 1n, leaf)]);
    bob.processProposals(0, removal, [BOT]);
    const second = bot.processProposals(0, removal, [BOB]);
    if (!second.commit) throw new Error('no commit');
    const split = splitCommitWelcome(second.commit);
    expect([split.epoch, split.welcome]).toEqual([1n, undefined]);
    bot.processCommit(split.commit);
    bob.processCommit(split.commit);
    expect(bob.getUserIds().sort()).toEqual([BOT, BOB].sort());
    expect(bob.decrypt(BOT, AUDIO, bot.encryptOpus(OPUS))).toEqual(OPUS);
    expect(() => alice.decrypt(BOT, AUDIO, bot.encryptOpus(OPUS))).toThrow();
  });

  it('rejects an op 28 that is not a commit', () => {
    expect(() => splitCommitWelcome(Buffer.from([0, 1, 0, 1, 0]))).toThrow(RangeError);
    expect(() => splitCommitWelcome(Buffer.from([0, 1, 0, 3]))).toThrow(RangeError);
  });
});
