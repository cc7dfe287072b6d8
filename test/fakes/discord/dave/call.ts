import { EventEmitter } from 'node:events';
import { DaveMember } from './member.js';
import { ExternalSender, appendProposals, snowflakeBytes, splitCommitWelcome } from './mls.js';

/** DAVE voice gateway opcodes (discord-api-types VoiceOpcodes). */
export const DaveOp = {
  ClientsConnect: 11, ClientDisconnect: 13, PrepareTransition: 21, ExecuteTransition: 22, TransitionReady: 23,
  PrepareEpoch: 24, ExternalSender: 25, KeyPackage: 26, Proposals: 27, CommitWelcome: 28,
  AnnounceCommitTransition: 29, Welcome: 30, InvalidCommitWelcome: 31,
} as const;

/** A transition the fake announced: an MLS commit (a change of members) or a protocol downgrade. */
export interface DaveTransition {
  id: number;
  kind: 'commit' | 'downgrade';
  /** The bot connection in the call when it was announced (undefined: the bot was away). */
  connectionId: number | undefined;
  /** Who committed: 'bot' for the bot, else a member's user id (the bot was not in the group). */
  committer: string;
  /** Users added and removed by a commit ('bot' for the bot). */
  added: string[];
  removed: string[];
  /** The group's epoch once executed. */
  epoch: bigint;
  announcedAt: number;
  /** When the fake sent execute_transition (every participant was ready). */
  executedAt: number | undefined;
}

/** The bot's voice connection, as the call reaches it. */
export interface DaveBotLink {
  connectionId: number;
  sendBinary: (op: number, payload: Buffer) => void;
  sendJson: (op: number, d: unknown) => void;
}

export interface DaveCallDeps {
  botUserId: string;
  channelId: string;
  now: () => number;
  /** Delay before proposals go out (a slow voice server: the group forms late). */
  proposalDelayMs: () => number;
}

interface Round {
  committer: 'bot' | DaveMember;
  adds: DaveMember[];
  removes: DaveMember[];
  addsBot: boolean;
  removesBot: boolean;
  /** Once the commit is in: the transition waiting for the bot's ready. */
  transition?: DaveTransition;
}

/** What the listeners heard of one frame: the Opus a member played, and whether it came end-to-end encrypted. */
export interface HeardFrame {
  opus: Buffer;
  e2ee: boolean;
}

/**
 * Discord's side of DAVE (protocol 1) for one voice channel: the external sender (op 25), key packages (op 26),
 * proposals (op 11 then op 27), commits and welcomes (op 28, 29, 30), transitions (op 23 -> op 22), downgrade
 * (op 21) and upgrade (op 24). The members are davey participants. The group outlives a bot connection, as a call
 * outlives one client: the bot commits while it is in the group (or none exists yet); when it comes back (a rejoin,
 * a restart) a member commits its removal and its new add, and the bot gets a welcome (op 30). One change at a
 * time. Emits 'transition' (DaveTransition) when one executes and 'invalid' (transition id) on op 31.
 */
export class DaveCall extends EventEmitter {
  readonly sender = new ExternalSender();
  /** Simulated members now in the channel. */
  readonly members = new Map<string, DaveMember>();
  /** Members that left (their records stay readable). */
  readonly departed: DaveMember[] = [];
  readonly transitions: DaveTransition[] = [];
  readonly invalidTransitions: number[] = [];
  /** Errors of steps run on a timer (a delayed proposal), where no caller can record them. */
  readonly errors: string[] = [];
  protocolVersion = 1;
  /** The group's epoch: 0 while there is none (every participant has only its pending group). */
  epoch = 0n;
  #bot: DaveBotLink | undefined;
  #botKeyPackage: Buffer | undefined;
  #botInGroup = false;
  /** The bot's leaf while it is in the group (an old connection's leaf waits here for its removal). */
  #botLeaf: number | undefined;
  #removeBot = false;
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

  get channelId(): string {
    return this.deps.channelId;
  }

  /** A bot connection reached DAVE: external sender (op 25), the members present (op 11), and it is seated. */
  attachBot(link: DaveBotLink, memberIds: readonly string[]): void {
    if (this.#bot) this.detachBot(this.#bot.connectionId);
    this.#bot = link;
    link.sendBinary(DaveOp.ExternalSender, this.sender.package());
    for (const id of memberIds) if (!this.members.has(id)) this.members.set(id, this.#newMember(id));
    if (this.members.size > 0) link.sendJson(DaveOp.ClientsConnect, { user_ids: [...this.members.keys()] });
  }

  /** The bot's connection ended: if it was in the group, its leaf is removed by a member's commit. */
  detachBot(connectionId: number): void {
    if (this.#bot?.connectionId !== connectionId) return;
    this.#bot = undefined;
    this.#botKeyPackage = undefined;
    if (this.#botInGroup) this.#removeBot = true;
    this.#botInGroup = false;
    if (this.#round && !this.#round.transition) this.#round = undefined; // its commit will never come
    this.#pump();
  }

  /** Every member that was ever in the call, present first. */
  allMembers(): DaveMember[] {
    return [...this.members.values(), ...this.departed];
  }

  onBinary(connectionId: number, op: number, payload: Buffer): void {
    if (this.#bot?.connectionId !== connectionId) return;
    if (op === DaveOp.KeyPackage) this.#onKeyPackage(payload);
    else if (op === DaveOp.CommitWelcome) this.#onBotCommit(payload);
  }

  onJson(connectionId: number, op: number, d: Record<string, unknown>): void {
    if (this.#bot?.connectionId !== connectionId) return;
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
    this.#bot?.sendJson(DaveOp.ClientsConnect, { user_ids: [userId] });
    this.#pump();
  }

  memberLeft(userId: string): void {
    const member = this.members.get(userId);
    if (this.#closed || !member) return;
    this.members.delete(userId);
    this.departed.push(member);
    this.#bot?.sendJson(DaveOp.ClientDisconnect, { user_id: userId });
    if (member.inGroup) this.#pendingRemoves.push(member);
    else member.close();
    this.#pump();
  }

  /** What the members heard of a frame the bot sent (transport AEAD removed); undefined: nobody could play it. */
  receive(frame: Buffer, meta: { at: number; sequence: number; connectionId: number }): HeardFrame | undefined {
    const members = [...this.members.values()];
    // Nobody else in the channel: what reached the server is all there is to hear (the bot sends it unencrypted).
    if (members.length === 0) return { opus: frame, e2ee: false };
    let heard: HeardFrame | undefined;
    for (const member of members) {
      const opus = member.receive(this.deps.botUserId, frame, meta);
      if (opus && !heard) heard = { opus, e2ee: member.frames.at(-1)?.kind === 'e2ee' };
    }
    return heard;
  }

  /** Downgrade to protocol 0 (op 21 with protocol_version 0; executed once the bot is ready). */
  downgrade(): DaveTransition {
    const transition = this.#announce('downgrade', 'bot', [], []);
    for (const member of this.members.values()) member.session.setPassthroughMode(true, 120);
    this.#bot?.sendJson(DaveOp.PrepareTransition, { transition_id: transition.id, protocol_version: 0 });
    return transition;
  }

  /** Back to protocol 1: prepare_epoch 1 makes the bot start a new group; every member is added again. */
  upgrade(): void {
    this.protocolVersion = 1;
    this.#bot?.sendJson(DaveOp.PrepareEpoch, { epoch: 1, protocol_version: 1 });
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
      this.#botInGroup = false;
      this.#removeBot = false;
      for (const member of this.#pendingRemoves) member.close();
      this.#pendingRemoves = [];
      // Coming back from a downgrade, clients keep passthrough through the upgrade's transition (as discord.js does).
      for (const member of this.members.values()) member.restart(this.sender.package(), this.#downgraded);
    }
    this.#pump();
  }

  /** Proposes the next change of members, if any and none is under way, to whoever commits it. */
  #pump(): void {
    if (this.#closed || this.#round || this.protocolVersion === 0) return;
    const inGroup = [...this.members.values()].filter((m) => m.inGroup);
    if (this.epoch > 0n && inGroup.length === 0 && !this.#botInGroup) {
      // Everyone in the group left: the next participants start a new one.
      this.epoch = 0n;
      this.#removeBot = false;
      for (const member of this.#pendingRemoves) member.close();
      this.#pendingRemoves = [];
    }
    const botCommits = this.#bot !== undefined && this.#botKeyPackage !== undefined && (this.epoch === 0n || this.#botInGroup);
    const committer = botCommits ? 'bot' : this.epoch > 0n ? inGroup[0] : undefined;
    if (!committer) return;
    const removes = this.epoch > 0n ? this.#pendingRemoves.splice(0) : [];
    const removesBot = this.#removeBot && this.#botLeaf !== undefined;
    const addsBot = committer !== 'bot' && this.#botKeyPackage !== undefined && !this.#botInGroup;
    const adds = [...this.members.values()].filter((m) => !m.inGroup);
    if (adds.length === 0 && removes.length === 0 && !removesBot && !addsBot) return;
    const group = snowflakeBytes(this.deps.channelId);
    const payload = appendProposals([
      ...(removesBot ? [this.sender.proposeRemove(group, this.epoch, this.#botLeaf ?? 0)] : []),
      ...removes.map((m) => this.sender.proposeRemove(group, this.epoch, leafOf(m))),
      ...(addsBot && this.#botKeyPackage ? [this.sender.proposeAdd(group, this.epoch, this.#botKeyPackage)] : []),
      ...adds.map((m) => this.sender.proposeAdd(group, this.epoch, m.keyPackage())),
    ]);
    const round: Round = { committer, adds, removes, addsBot, removesBot };
    this.#round = round;
    this.#later(() => this.#propose(round, payload, inGroup));
  }

  #propose(round: Round, payload: Buffer, inGroup: DaveMember[]): void {
    if (this.#round !== round) return;
    const recognized = [this.deps.botUserId, ...this.members.keys()];
    let memberCommit: Buffer | undefined;
    for (const member of inGroup) {
      // Members in the group cache the proposals the commit refers to; a member's own commit wins only if it commits.
      const { commit, welcome } = member.session.processProposals(0, payload.subarray(1), recognized.filter((id) => id !== member.userId));
      if (member === round.committer && commit) memberCommit = welcome ? Buffer.concat([commit, welcome]) : commit;
    }
    if (round.committer === 'bot') this.#bot?.sendBinary(DaveOp.Proposals, payload);
    else if (memberCommit) this.#apply(round, memberCommit);
    else this.#round = undefined;
  }

  #onBotCommit(payload: Buffer): void {
    if (this.#round?.committer === 'bot' && !this.#round.transition) this.#apply(this.#round, payload);
  }

  /** Applies a commit (and welcome) to every participant and announces the transition. */
  #apply(round: Round, payload: Buffer): void {
    const { commit, epoch, welcome } = splitCommitWelcome(payload);
    if (epoch !== this.epoch) return; // a commit for an epoch already past
    for (const member of round.removes) member.close();
    for (const member of this.members.values()) if (member.inGroup) member.session.processCommit(commit);
    const needsWelcome = round.adds.length > 0 || round.addsBot;
    if (needsWelcome && !welcome) throw new Error('a commit adding members came without a welcome');
    for (const member of round.adds) if (welcome) member.welcome(welcome);
    if (this.#downgraded) for (const member of this.members.values()) member.session.setPassthroughMode(true, 10);
    this.epoch = epoch + 1n;
    if (round.removesBot) {
      this.#removeBot = false;
      this.#botLeaf = undefined;
    }
    if (round.committer === 'bot' && this.#botLeaf === undefined) this.#botLeaf = 0; // it created the group
    if (round.addsBot) {
      this.#botInGroup = true;
      this.#botLeaf = leftmostFree(new Set([...this.members.values()].map((m) => m.session.ownLeafIndex)));
    }
    if (round.committer === 'bot') this.#botInGroup = true;
    const transition = this.#announce('commit', round.committer === 'bot' ? 'bot' : round.committer.userId,
      [...(round.addsBot ? ['bot'] : []), ...round.adds.map((m) => m.userId)],
      [...(round.removesBot ? ['bot'] : []), ...round.removes.map((m) => m.userId)]);
    round.transition = transition;
    const tid = Buffer.alloc(2);
    tid.writeUInt16BE(transition.id);
    if (round.committer === 'bot') this.#bot?.sendBinary(DaveOp.AnnounceCommitTransition, Buffer.concat([tid, commit]));
    else if (round.addsBot && welcome) this.#bot?.sendBinary(DaveOp.Welcome, Buffer.concat([tid, welcome]));
    else this.#execute(transition.id); // the bot has no part in it: nobody to wait for
  }

  #announce(kind: DaveTransition['kind'], committer: string, added: string[], removed: string[]): DaveTransition {
    const transition: DaveTransition = {
      id: this.#nextTransitionId, kind, connectionId: this.#bot?.connectionId, committer, added, removed, epoch: this.epoch, announcedAt: this.deps.now(), executedAt: undefined,
    };
    this.#nextTransitionId = (this.#nextTransitionId % 0xffff) + 1;
    this.transitions.push(transition);
    return transition;
  }

  #execute(id: number): void {
    const transition = this.transitions.find((t) => t.id === id && t.executedAt === undefined);
    if (!transition) return;
    transition.executedAt = this.deps.now();
    this.#bot?.sendJson(DaveOp.ExecuteTransition, { transition_id: id });
    if (transition.kind === 'downgrade') {
      this.protocolVersion = 0;
      this.#downgraded = true;
    } else this.#downgraded = false;
    if (this.#round?.transition === transition) this.#round = undefined;
    this.emit('transition', transition);
    this.#pump();
  }

  /** Runs `step` now, or after the proposal delay; the timer belongs to the call. */
  #later(step: () => void): void {
    const delay = this.deps.proposalDelayMs();
    if (delay <= 0) {
      step();
      return;
    }
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (this.#closed) return;
      try {
        step();
      } catch (error) {
        this.errors.push(error instanceof Error ? error.message : String(error));
      }
    }, delay);
    this.#timers.add(timer);
  }
}

function leafOf(member: DaveMember): number {
  const leaf = member.session.ownLeafIndex;
  if (leaf === null) throw new Error(`member ${member.userId} is in the group without a leaf`);
  return leaf;
}

/** The leftmost leaf no member holds: where MLS puts the one non-member added (RFC 9420 §12.1.1). */
function leftmostFree(taken: Set<number | null>): number {
  let leaf = 0;
  while (taken.has(leaf)) leaf += 1;
  return leaf;
}
