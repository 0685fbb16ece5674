// Sends a job's log to GitLab as gitlab-runner does (gitlab-runner v19.4.0 network/gitlab.go PatchTrace and
// createPatchTraceResult, network/trace.go): `PATCH /api/v4/jobs/:id/trace` with the new bytes,
// `Content-Range: <start>-<end>` (end inclusive) and the job token. 202 moves the offset on; 416 means
// GitLab has a different length: continue from the end of its `Range` header. A `Job-Status: canceling`
// answer asks the runner to cancel the job; `canceled` or `failed` (or 403) means stop sending.

export interface TraceSenderOptions {
  url: string;
  jobId: number;
  token: string;
  /** Called once GitLab says the job is being cancelled. */
  onCancelRequested: () => void;
  userAgent: string;
}

export class TraceSender {
  readonly #options: TraceSenderOptions;
  #buffer = Buffer.alloc(0);
  #sent = 0;
  #sending: Promise<void> = Promise.resolve();
  #aborted = false;

  constructor(options: TraceSenderOptions) {
    this.#options = options;
  }

  /** Appends output to the log. */
  write(text: string): void {
    this.#buffer = Buffer.concat([this.#buffer, Buffer.from(text, 'utf8')]);
  }

  /** The whole log so far. */
  get text(): string {
    return this.#buffer.toString('utf8');
  }

  /** Sends what GitLab does not have yet (one PATCH at a time). */
  flush(): Promise<void> {
    this.#sending = this.#sending.then(() => this.#patch());
    return this.#sending;
  }

  async #patch(): Promise<void> {
    for (let tries = 0; tries < 5 && !this.#aborted && this.#sent < this.#buffer.length; tries++) {
      const start = this.#sent;
      const chunk = this.#buffer.subarray(start);
      let response: Response;
      try {
        response = await fetch(`${this.#options.url}/api/v4/jobs/${this.#options.jobId}/trace`, {
          method: 'PATCH',
          headers: {
            'job-token': this.#options.token,
            'content-type': 'text/plain',
            'content-range': `${start}-${start + chunk.length - 1}`,
            'user-agent': this.#options.userAgent,
          },
          body: chunk,
          signal: AbortSignal.timeout(60_000),
        });
      } catch {
        return;
      }
      await response.body?.cancel();
      const state = response.headers.get('job-status');
      if (state === 'canceling') this.#options.onCancelRequested();
      if (state === 'canceled' || state === 'failed' || response.status === 403) {
        this.#aborted = true;
        return;
      }
      if (response.status === 202) {
        this.#sent = start + chunk.length;
      } else if (response.status === 416) {
        // network/patch_response.go NewOffset: the end of the Range header GitLab sent.
        const end = Number((response.headers.get('range') ?? '').split('-')[1]);
        this.#sent = Number.isFinite(end) ? Math.min(end, this.#buffer.length) : 0;
      } else return;
    }
  }
}
