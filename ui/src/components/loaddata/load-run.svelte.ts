// One load (line protocol or CSV) as the Load Data screen runs it: the job id, running,
// progress, the final report or error, and the start and end times the progress bar turns
// into a rate and an ETA. Cancel asks core to stop after the batch in flight.
import * as ipc from '../../ipc';
import type { AppError } from '../../ipc';
import type { WriteProgress } from '../../bindings/WriteProgress';
import type { WriteResult } from '../../bindings/WriteResult';

export class LoadRun {
  running = $state(false);
  progress = $state<WriteProgress | null>(null);
  result = $state<WriteResult | null>(null);
  error = $state<AppError | null>(null);
  started = $state(0);
  finished = $state(0);
  private jobId = '';

  /** Run `job` under a new job id starting with `prefix`, keeping its progress and report. */
  async start(prefix: string, job: ipc.LoadJobArg): Promise<void> {
    this.running = true;
    this.progress = null;
    this.result = null;
    this.error = null;
    this.started = Date.now();
    this.jobId = `${prefix}-${this.started}`;
    try {
      this.result = await ipc.loadRun(this.jobId, job, (p) => (this.progress = p));
    } catch (e) {
      this.error = e as AppError;
    } finally {
      this.finished = Date.now();
      this.running = false;
    }
  }

  cancel() {
    void ipc.loadCancel(this.jobId);
  }
}
