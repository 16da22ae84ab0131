/** The public option and view types of the fake Nautobot (see fake-nautobot.ts). */

export interface FakeNautobotOptions {
  /** API token to accept; default LAB_TOKENS.nautobot. */
  token?: string | undefined;
  /** Time per job step in ms (PENDING -> STARTED -> done); default 300. */
  stepMs?: number | undefined;
  /** Path or URL of a Git repository (bare or not) with `config_contexts/`; sync clones/fetches its default branch. */
  gitRemote?: string | undefined;
  /** Directory read when there is no `gitRemote` (its working tree, no Git); default the labops repository root. */
  seedDir?: string | undefined;
  /**
   * The Nautobot release played, default "2.4.36". Its major.minor is the API version (`API-Version`, the
   * accepted `version=` values: major.0 to major.minor); before 2.4.2 `sync/` answers without `job_result`;
   * before 2.4 `exclude_m2m` is an unknown filter (400); from 3.0 many-to-many fields are left out unless
   * `?exclude_m2m=false`.
   */
  version?: string | undefined;
  /** Start without a Celery worker: `sync/` answers 503. */
  noWorker?: boolean | undefined;
}

/** A journal entry as posted, for test assertions. */
export interface FakeJournalEntry {
  id: string;
  objectType: string;
  objectId: string;
  kind: string;
  comments: string;
  created: string;
}
