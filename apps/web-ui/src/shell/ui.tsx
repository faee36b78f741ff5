// Small pieces every page uses.
import type { ReactNode } from 'react';
import type { ApiError } from './http';
import { hrefOf, type PageRoute } from './route';
import { toneOf } from './tone';

export function Link({ to, testId, className, title, children }: { to: PageRoute; testId?: string; className?: string; title?: string; children: ReactNode }) {
  return (
    <a href={hrefOf(to)} data-testid={testId} className={className} title={title}>
      {children}
    </a>
  );
}

/** A page: its title, what sits right of it, and its sections. */
export function Page({ title, testId, aside, children }: { title: ReactNode; testId: string; aside?: ReactNode; children: ReactNode }) {
  return (
    <main className="page" data-testid={testId}>
      <div className="page-head">
        <h1>{title}</h1>
        {aside}
      </div>
      {children}
    </main>
  );
}

export function Section({ title, testId, aside, children }: { title: ReactNode; testId: string; aside?: ReactNode; children: ReactNode }) {
  return (
    <section className="section" data-testid={testId}>
      <div className="section-head">
        <h2>{title}</h2>
        {aside}
      </div>
      {children}
    </section>
  );
}

export function ErrorPanel({ title, message, testId = 'page-error' }: { title?: string | undefined; message: string; testId?: string }) {
  return (
    <div className="error-panel" role="alert" data-testid={testId}>
      {title !== undefined && <strong className="error-title">{title}</strong>}
      {message}
    </div>
  );
}

/**
 * Where a view goes while it is missing: why, or that it is on its way. `unavailable` titles a
 * 503, which the gateway answers when what the view comes from (the scheduler) does not answer.
 */
export function Missing({ error, unavailable }: { error?: ApiError | undefined; unavailable?: string }) {
  if (error !== undefined) return <ErrorPanel title={error.status === 503 ? unavailable : undefined} message={error.message} />;
  return (
    <div className="loading" data-testid="page-loading">
      Loading…
    </div>
  );
}

export function Empty({ testId, children }: { testId: string; children: ReactNode }) {
  return (
    <p className="empty" data-testid={testId}>
      {children}
    </p>
  );
}

/** A state word in its color: job, task, worker and Mesos task states alike. */
export function StateBadge({ state, testId }: { state: string; testId?: string }) {
  return (
    <span className={`badge badge-${toneOf(state)}`} data-testid={testId}>
      {state === '' ? '—' : state}
    </span>
  );
}

/** A labelled number or text in a card. */
export function Stat({ label, testId, children }: { label: string; testId?: string; children: ReactNode }) {
  return (
    <div className="stat">
      <div className="stat-label">{label}</div>
      <div className="stat-value" data-testid={testId}>
        {children}
      </div>
    </div>
  );
}
