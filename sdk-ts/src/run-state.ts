/**
 * The lifecycle of one leased run in the worker, as data: where the run is, and the moves it may
 * make. The worker holds one {@link RunState} per run and changes it only through
 * {@link moveRun}, so the allowed moves are written once, here, and a wrong one is a loud bug
 * rather than a run that is silently heartbeated forever or started twice.
 *
 * ```text
 *   held ── slot free ─────▶ running ── outcome decided ──▶ reporting ── broker answers ──▶ settled
 *    │ │                        │                             ▲          (the outcome, refused,
 *    │ └─ given up before it started (cancel, stop) ──────────┘           unreported)
 *    └──── lease lost ──────────┴── lease lost: nothing to report ──────────────────▶ settled
 *                                                                                   (lease-lost)
 * ```
 */

/** What a run reports to the broker: the `$case` of its `Completion` outcome. */
export type OutcomeKind = 'success' | 'failure' | 'cancelled' | 'released';

/**
 * Why a run stopped being the worker's business. An {@link OutcomeKind} means the broker accepted
 * that outcome; `lease-lost` that there was nothing to report (the lease was lost or handed out
 * again); `refused` that the broker answered but did not accept the outcome (its lease had
 * already ended); `unreported` that the broker could not be reached while the lease might hold.
 */
export type StopReason = OutcomeKind | 'lease-lost' | 'refused' | 'unreported';

/**
 * Where one leased run is:
 * - `held`: leased and held in hand, waiting for a slot; heartbeated, its handler not started;
 * - `running`: its handler runs and holds one of the worker's slots;
 * - `reporting`: its outcome is decided and on its way to the broker; no slot, still heartbeated;
 * - `settled`: done with, and `why`.
 */
export type RunState =
  | { readonly phase: 'held' }
  | { readonly phase: 'running' }
  | { readonly phase: 'reporting'; readonly outcome: OutcomeKind }
  | { readonly phase: 'settled'; readonly why: StopReason };

/** A phase of a run: `held`, `running`, `reporting` or `settled`. */
export type RunPhase = RunState['phase'];

/** A requested move: the state to go to. */
export type RunMove = Exclude<RunState, { readonly phase: 'held' }>;

/** The state every run starts in: the Lease reply brought it, nothing has run yet. */
export const HELD: RunState = { phase: 'held' };

/**
 * The allowed moves: from each phase, the phases it may go to and, for `reporting` and `settled`,
 * with which outcome or reason. Anything else is a bug in the worker.
 */
const MOVES: { readonly [From in RunPhase]: { readonly [To in RunMove['phase']]?: readonly string[] } } = {
  // Given up before it started: a cancel seen in a heartbeat, a stop, or a time-limited task with
  // no free slot report `cancelled` or `released`; a lease lost has nothing to report.
  held: { running: [], reporting: ['cancelled', 'released'], settled: ['lease-lost'] },
  // A handler ends in any outcome; one whose lease was lost meanwhile has its outcome dropped.
  running: { reporting: ['success', 'failure', 'cancelled', 'released'], settled: ['lease-lost'] },
  // The reported outcome can differ from the decided one: an outcome the broker refuses as too
  // large is replaced by a `failure` that says so.
  reporting: { settled: ['success', 'failure', 'cancelled', 'released', 'refused', 'unreported'] },
  settled: {},
};

/** A move that {@link MOVES} does not allow: a bug in the worker, never a broker's doing. */
export class RunMoveError extends Error {
  override readonly name = 'RunMoveError';
}

/** The detail a move carries: the outcome of `reporting`, the reason of `settled`. */
function detailOf(state: RunState): string | undefined {
  if (state.phase === 'reporting') return state.outcome;
  if (state.phase === 'settled') return state.why;
  return undefined;
}

/**
 * The state after `move`. @throws RunMoveError when the move is not allowed from `state`
 * (the worker would otherwise lose track of a slot or a lease).
 */
export function moveRun(state: RunState, move: RunMove): RunState {
  const allowed = MOVES[state.phase][move.phase];
  const detail = detailOf(move);
  if (!allowed || (detail !== undefined && !allowed.includes(detail))) {
    throw new RunMoveError(`a run cannot move from ${describe(state)} to ${describe(move)}`);
  }
  return move;
}

/** A state for messages: its phase, with its outcome or reason. */
function describe(state: RunState): string {
  const detail = detailOf(state);
  return detail === undefined ? state.phase : `${state.phase} (${detail})`;
}
