/**
 * The playground's Discord and MiniMax: the same protocol-faithful fakes the end-to-end tests use, served on
 * 127.0.0.1. They are a supported part of Parrot (the demo runs on them), kept in test/fakes/ next to their own
 * tests; this module is the one place the demo takes them from.
 */
export { FakeDiscord, opt, type CommandSpec, type GuildSpec, type InteractionResponse, type ReceivedFrame } from '../test/fakes/discord/index.js';
export { FakeMiniMax, type FakeMiniMaxOptions } from '../test/fakes/minimax/FakeMiniMax.js';
