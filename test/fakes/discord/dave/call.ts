import { EventEmitter } from 'node:events';
import { DaveMember } from './member.js';
import { ExternalSender, appendProposals, snowflakeBytes, splitCommitWelcome } from './mls.js';

/** DAVE voice gateway opcodes (discord-api-types VoiceOpcodes). */
export const DaveOp = {
  ClientsConnect: 11, ClientDisconnect: 13, PrepareTransition: 21, ExecuteTransition: 22, TransitionReady: 23,
  PrepareEpoch: 24, ExternalSender: 25, KeyPackage: 26, Proposals: 27, CommitWelcome: 28,
  AnnounceCommitTransition: 29, Welcome: 30, InvalidCommitWelcome: 31,
} as const;

/** A transition the fake announced: an MLS commit (member change) or a protocol downgrade/upgrade. */
export interface DaveTransition {
  id: number;
  kind: 'commit' | 'downgrade';
  /** Members added and removed by a commit. */
  added: string[];
  removed: string[];
  /** The group's epoch once executed. */
  epoch: bigint;
  announcedAt: number;
  /** When the fake sent execute_transition (every participant was ready). */
  executedAt: number | undefined;
}

export interface DaveCallDeps {
  connectionId: number;
  botUserId: string;
  channelId: string;
  now: () => number;
  sendBinary: (op: number, payload: Buffer) => void;
  sendJson: (op: number, d: unknown) => void;
  /** Delay before proposals go to the bot (a slow voice server: the group forms late). */
  proposalDelayMs: () => number;
}

interface Round {
  adds: DaveMember[];
  removes: DaveMember[];
  /** Once the bot's commit arrived: the transition waiting for the bot's ready. */
  transition?: DaveTransition;
}

/** What the listeners of a call heard of one frame: the Opus a member played, and whether it came end to end encrypted. */
export interface HeardFrame {
  opus: Buffer;
  e2ee: boolean;
}

/**
 * Discord's side of DAVE (protocol 1) for one bot voice connection: the external sender (op 25), key packages
 * (op 26), proposals (op 11 then op 27), the bot's commit and welcome (op 28) applied to the simulated members and
 * announced (op 29), transitions (op 23 -> op 22), downgrade (op 21) and upgrade (op 24). The bot always commits,
 * as the first committer does on Discord. One change of membership at a time; the next waits for the transition.
 * Emits 'transition' (DaveTransition) when one executes and 'invalid' (transition id) on op 31.
 */
export class DaveCall extends EventEmitter {
  readonly sender = new ExternalSender();
  /** Simulated members now in the channel. */
  readonly members = new Map<string, DaveMember>();
  /** Members that left (their records stay readable). */
  readonly departed: DaveMember[] = [];
  readonly transitions: DaveTransition[] = [];
  readonly invalidTransitions: number[] = [];
  protocolVersion = 1;
  /** The bot's group epoch: 0 while the bot has only its pending group. */
  epoch = 0n;
  #botKeyPackage: Buffer | undefined;
  #round: Round | undefined;
  #pendingRemoves: DaveMember[] = [];
  #nextTransitionId = 1;
  #closed = false;
  /** Downgraded and not yet back in a group: members keep playing unencrypted frames until then. */
  #downgraded = false;
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(private readonly deps: DaveCallDeps) {
    super();
  }

  /** Sends the external sender (op 25) and seats the members already in the channel. */
  start(memberIds: readonly string[]): void {
    this.deps.sendBinary(DaveOp.ExternalSender, this.sender.package());
    for (const id of memberIds) this.members.set(id, this.#newMember(id));
  }

  /** Every member that was ever in the call, present first. */
  allMembers(): DaveMember[] {
    return [...this.members.values(), ...this.departed];
  }

  onBinary(op: number, payload: Buffer): void {
    if (op === DaveOp.KeyPackage) this.#onKeyPackage(payload);
    else if (op === DaveOp.CommitWelcome) this.#onCommitWelcome(payload);
  }

  onJson(op: number, d: Record<string, unknown>): void {
    const id = typeof d['transition_id'] === 'number' ? d['transition_id'] : -1;
    if (op === DaveOp.TransitionReady) this.#execute(id);
    else if (op === DaveOp.InvalidCommitWelcome) {
      this.invalidTransitions.push(id);
      this.emit('invalid', id);
    }
  }

  memberJoined(userId: string): void {
    if (this.#closed || this.members.has(userId)) return;
    this.members.set(userId, this.#newMember(userId));
    this.#pump();
  }

  memberLeft(userId: string): void {
    const member = this.members.get(userId);
    if (this.#closed || !member) return;
    this.members.delete(userId);
    this.departed.push(member);
    this.deps.sendJson(DaveOp.ClientDisconnect, { user_id: userId });
    if (member.inGroup) this.#pendingRemoves.push(member);
    else member.close();
    this.#pump();
  }

  /** What the members heard of a frame the bot sent (transport AEAD removed); undefined: nobody could play it. */
  receive(frame: Buffer, meta: { at: number; sequence: number }): HeardFrame | undefined {
    const members = [...this.members.values()];
    // Nobody else in the channel: what reached the server is all there is to hear (the bot sends it unencrypted).
    if (members.length === 0) return { opus: frame, e2ee: false };
    let heard: HeardFrame | undefined;
    for (const member of members) {
      const opus = member.receive(this.deps.botUserId, frame, { ...meta, connectionId: this.deps.connectionId });
      if (opus && !heard) heard = { opus, e2ee: member.frames.at(-1)?.kind === 'e2ee' };
    }
    return heard;
  }

  /** Downgrade to protocol 0 (op 21 with protocol_version 0; executed once the bot is ready). */
  downgrade(): DaveTransition {
    const transition = this.#announce('downgrade', [], []);
    for (const member of this.members.values()) member.session.setPassthroughMode(true, 120);
    this.deps.sendJson(DaveOp.PrepareTransition, { transition_id: transition.id, protocol_version: 0 });
    return transition;
  }

  /** Back to protocol 1: prepare_epoch 1 makes the bot start a new group; every member is added again. */
  upgrade(): void {
    this.protocolVersion = 1;
    this.deps.sendJson(DaveOp.PrepareEpoch, { epoch: 1, protocol_version: 1 });
  }

  close(): void {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const member of this.allMembers()) member.close();
  }

  #newMember(userId: string): DaveMember {
    return new DaveMember(userId, this.deps.channelId, this.deps.now(), this.sender.package());
  }

  #onKeyPackage(keyPackage: Buffer): void {
    const again = this.#botKeyPackage !== undefined;
    this.#botKeyPackage = keyPackage;
    if (again) {
      // The bot re-initialised (prepare_epoch 1, or recovery from an invalid transition): a new group from scratch.
      this.epoch = 0n;
      this.#round = undefined;
      for (const member of this.#pendingRemoves) member.close();
      this.#pendingRemoves = [];
      // Coming back from a downgrade, clients keep passthrough through the upgrade's transition (as discord.js does).
      for (const member of this.members.values()) member.restart(this.sender.package(), this.#downgraded);
    }
    this.#pump();
  }

  /** Proposes the next change of membership, if any and none is under way. */
  #pump(): void {
    if (this.#closed || this.#round || !this.#botKeyPackage || this.protocolVersion === 0) return;
    const removes = this.epoch > 0n ? this.#pendingRemoves.splice(0) : [];
    const adds = [...this.members.values()].filter((m) => !m.inGroup);
    if (adds.length === 0 && removes.length === 0) return;
    const group = snowflakeBytes(this.deps.channelId);
    const messages = [
      ...removes.map((m) => this.sender.proposeRemove(group, this.epoch, leafOf(m))),
      ...adds.map((m) => this.sender.proposeAdd(group, this.epoch, m.keyPackage())),
    ];
    const payload = appendProposals(messages);
    this.#round = { adds, removes };
    if (adds.length > 0) this.deps.sendJson(DaveOp.ClientsConnect, { user_ids: adds.map((m) => m.userId) });
    const recognized = [this.deps.botUserId, ...this.members.keys()];
    for (const member of this.members.values()) {
      // Members in the group cache the proposals the commit refers to (their own commit loses the race).
      if (member.inGroup) member.session.processProposals(0, payload.subarray(1), recognized.filter((id) => id !== member.userId));
    }
    const delay = this.deps.proposalDelayMs();
    if (delay <= 0) {
      this.deps.sendBinary(DaveOp.Proposals, payload);
      return;
    }
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (!this.#closed) this.deps.sendBinary(DaveOp.Proposals, payload);
    }, delay);
    this.#timers.add(timer);
  }

  #onCommitWelcome(payload: Buffer): void {
    const round = this.#round;
    if (!round || round.transition) return;
    const { commit, epoch, welcome } = splitCommitWelcome(payload);
    if (epoch !== this.epoch) return; // a commit for an epoch already past
    for (const member of round.removes) member.close();
    for (const member of this.members.values()) if (member.inGroup) member.session.processCommit(commit);
    for (const member of round.adds) {
      if (!welcome) throw new Error('the bot committed adds without a welcome');
      member.welcome(welcome);
    }
    if (this.#downgraded) for (const member of this.members.values()) member.session.setPassthroughMode(true, 10);
    this.epoch = epoch + 1n;
    const transition = this.#announce('commit', round.adds.map((m) => m.userId), round.removes.map((m) => m.userId));
    round.transition = transition;
    const tid = Buffer.alloc(2);
    tid.writeUInt16BE(transition.id);
    this.deps.sendBinary(DaveOp.AnnounceCommitTransition, Buffer.concat([tid, commit]));
  }

  #announce(kind: DaveTransition['kind'], added: string[], removed: string[]): DaveTransition {
    const transition: DaveTransition = {
      id: this.#nextTransitionId, kind, added, removed, epoch: this.epoch, announcedAt: this.deps.now(), executedAt: undefined,
    };
    this.#nextTransitionId = (this.#nextTransitionId % 0xffff) + 1;
    this.transitions.push(transition);
    return transition;
  }

  #execute(id: number): void {
    const transition = this.transitions.find((t) => t.id === id && t.executedAt === undefined);
    if (!transition) return;
    transition.executedAt = this.deps.now();
    this.deps.sendJson(DaveOp.ExecuteTransition, { transition_id: id });
    if (transition.kind === 'downgrade') {
      this.protocolVersion = 0;
      this.#downgraded = true;
    } else this.#downgraded = false;
    if (this.#round?.transition === transition) this.#round = undefined;
    this.emit('transition', transition);
    this.#pump();
  }
}

function leafOf(member: DaveMember): number {
  const leaf = member.session.ownLeafIndex;
  if (leaf === null) throw new Error(`member ${member.userId} is in the group without a leaf`);
  return leaf;
}
