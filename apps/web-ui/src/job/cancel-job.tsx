import type { JobSummaryView } from '@mesoflow/web-api';
import { useState, type FormEvent } from 'react';
import { ApiError, cancelJob } from '../shell/http';
import { hasEnded } from '../jobs/job-list';

/** The bearer token lives as long as the tab, never in localStorage. */
const TOKEN_KEY = 'mesoflow.token';

type Phase = { readonly kind: 'idle' } | { readonly kind: 'asking-token'; readonly why?: string } | { readonly kind: 'sending' } | { readonly kind: 'sent' } | { readonly kind: 'failed'; readonly why: string };

function storedToken(): string | undefined {
  return window.sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

/** The Cancel button, and the token form when the gateway wants a token and the tab has none. */
export function CancelJob({ job, authRequired }: { job: JobSummaryView; authRequired: boolean }) {
  const [phase, setPhase] = useState<Phase>({ kind: 'idle' });
  const [tokenText, setTokenText] = useState('');
  const ended = hasEnded(job.state);

  const send = async (token: string | undefined): Promise<void> => {
    setPhase({ kind: 'sending' });
    try {
      await cancelJob(job.jobId, authRequired ? token : undefined);
      setPhase({ kind: 'sent' });
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      if (error instanceof ApiError && error.status === 401) {
        window.sessionStorage.removeItem(TOKEN_KEY);
        setPhase({ kind: 'asking-token', why: `The gateway refused the token: ${why}` });
      } else setPhase({ kind: 'failed', why });
    }
  };

  const onCancel = (): void => {
    const token = storedToken();
    if (authRequired && token === undefined) setPhase({ kind: 'asking-token' });
    else void send(token);
  };

  const onToken = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const token = tokenText.trim();
    if (token === '') return;
    window.sessionStorage.setItem(TOKEN_KEY, token);
    setTokenText('');
    void send(token);
  };

  const requested = job.cancelRequested || phase.kind === 'sent';
  const label = ended ? 'Ended' : requested ? 'Cancel requested' : phase.kind === 'sending' ? 'Canceling…' : 'Cancel job';
  return (
    <div className="cancel">
      <button type="button" className="button danger" data-testid="cancel-button" disabled={ended || requested || phase.kind === 'sending'} onClick={onCancel}>
        {label}
      </button>
      {!ended && phase.kind === 'asking-token' && (
        <form className="token-form" data-testid="token-form" onSubmit={onToken}>
          <label>
            Token{' '}
            <input type="password" autoComplete="off" data-testid="token-input" value={tokenText} onChange={(event) => setTokenText(event.target.value)} autoFocus />
          </label>
          <button type="submit" className="button" data-testid="token-submit">
            Cancel with token
          </button>
          <span className="hint">{phase.why ?? 'The gateway wants a bearer token to cancel; it is kept for this tab only.'}</span>
        </form>
      )}
      {phase.kind === 'failed' && (
        <span className="error-text" role="alert" data-testid="cancel-error">
          {phase.why}
        </span>
      )}
    </div>
  );
}
