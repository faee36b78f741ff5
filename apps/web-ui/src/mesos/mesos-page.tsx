import type { MesosView } from '@mesoflow/web-api';
import { formatClock, formatCount, formatDuration, formatTimestamp } from '../shell/format';
import { useLiveView } from '../shell/hooks';
import { Empty, Missing, Page, Section, StateBadge, Stat } from '../shell/ui';
import { OFFER_SERIES, offerChart } from './offer-chart';

const PLOT = { width: 760, height: 180, left: 44, bottom: 22, top: 8, right: 8 } as const;

function OfferChart({ mesos }: { mesos: MesosView }) {
  const history = mesos.offerHistory;
  const [first] = history;
  const last = history.at(-1);
  if (first === undefined || last === undefined) return <Empty testId="mesos-no-offer-history">No offers recorded yet.</Empty>;
  const chart = offerChart(history, PLOT.width, PLOT.height);
  const width = PLOT.left + PLOT.width + PLOT.right;
  const height = PLOT.top + PLOT.height + PLOT.bottom;
  return (
    <figure className="chart">
      {/* Scales with the card, keeping its proportions, so text is never stretched. */}
      <svg width="100%" viewBox={`0 0 ${width} ${height}`} data-testid="mesos-offer-chart" role="img" aria-label="Offers per interval">
        <g transform={`translate(${PLOT.left} ${PLOT.top})`}>
          {[0, 0.5, 1].map((fraction) => (
            <g key={fraction}>
              <line x1={0} x2={PLOT.width} y1={PLOT.height * (1 - fraction)} y2={PLOT.height * (1 - fraction)} className="chart-grid" />
              {/* The middle line of a 1 or 5 axis would read 0.5 or 2.5 offers: it stays unlabelled. */}
              {Number.isInteger(chart.maxY * fraction) && (
                <text x={-6} y={PLOT.height * (1 - fraction) + 4} textAnchor="end" className="chart-axis">
                  {formatCount(chart.maxY * fraction)}
                </text>
              )}
            </g>
          ))}
          {OFFER_SERIES.map((series) => (
            <polyline key={series} points={chart.points[series]} className={`chart-line chart-${series}`} data-testid={`mesos-offer-series-${series}`} />
          ))}
          <text x={0} y={PLOT.height + 16} className="chart-axis">
            {formatClock(first.startMs)}
          </text>
          <text x={PLOT.width} y={PLOT.height + 16} textAnchor="end" className="chart-axis">
            {formatClock(last.startMs + mesos.offerIntervalMs)}
          </text>
        </g>
      </svg>
      <figcaption className="legend">
        {OFFER_SERIES.map((series) => (
          <span key={series} className={`legend-item chart-${series}`}>
            {series}
          </span>
        ))}
        <span className="muted">per {formatDuration(mesos.offerIntervalMs)}</span>
      </figcaption>
    </figure>
  );
}

export function MesosPage() {
  const { data: mesos, error } = useLiveView('mesos');
  return (
    <Page title="Mesos" testId="page-mesos">
      {mesos === undefined ? (
        <Missing error={error} unavailable="The scheduler cannot be reached" />
      ) : (
        <>
          <div className="cards">
            <div className="card" data-testid="mesos-framework">
              <h2>Framework</h2>
              <dl className="facts">
                <dt>Name</dt>
                <dd>{mesos.framework.name}</dd>
                <dt>Framework id</dt>
                <dd className="mono ellipsis">{mesos.framework.id === '' ? <span className="muted">not subscribed yet</span> : mesos.framework.id}</dd>
                <dt>Leading master</dt>
                <dd className="mono">{mesos.framework.leader === '' ? <span className="muted">none</span> : mesos.framework.leader}</dd>
                <dt>Scheduler since</dt>
                <dd className="num">{formatTimestamp(mesos.startedAtMs)}</dd>
              </dl>
            </div>
            <div className="card" data-testid="mesos-offers">
              <h2>Offers</h2>
              <div className="stats">
                <Stat label="Received" testId="mesos-offers-received">
                  {formatCount(mesos.offers.received)}
                </Stat>
                <Stat label="Accepted" testId="mesos-offers-accepted">
                  {formatCount(mesos.offers.accepted)}
                </Stat>
                <Stat label="Declined" testId="mesos-offers-declined">
                  {formatCount(mesos.offers.declined)}
                </Stat>
                <Stat label="Rescinded" testId="mesos-offers-rescinded">
                  {formatCount(mesos.offers.rescinded)}
                </Stat>
              </div>
              <div className="suppress" data-testid="mesos-suppressed">
                {mesos.suppressed ? (
                  <>
                    <StateBadge state="SUPPRESSED" /> the scheduler wants no offers
                  </>
                ) : (
                  <>
                    <StateBadge state="RUNNING" /> receiving offers
                  </>
                )}
              </div>
            </div>
            <div className="card" data-testid="mesos-workers">
              <h2>Workers</h2>
              <div className="stats">
                <Stat label="Desired" testId="mesos-workers-desired">
                  {formatCount(mesos.desiredWorkers)}
                </Stat>
                <Stat label="Pending" testId="mesos-workers-pending">
                  {formatCount(mesos.pendingWorkers)}
                </Stat>
                <Stat label="Failed tasks" testId="mesos-failed-tasks">
                  {mesos.maximumFailedTasks === -1 ? `${formatCount(mesos.failedTasks)} (no limit)` : `${formatCount(mesos.failedTasks)} of ${formatCount(mesos.maximumFailedTasks)}`}
                </Stat>
              </div>
            </div>
            <div className="card" data-testid="mesos-connection">
              <h2>Connection</h2>
              <div className="stats">
                <Stat label="Reconciliation rounds" testId="mesos-reconciliation-rounds">
                  {formatCount(mesos.reconciliationRounds)}
                </Stat>
                <Stat label="Resubscriptions" testId="mesos-resubscriptions">
                  {formatCount(mesos.resubscriptions)}
                </Stat>
              </div>
            </div>
          </div>
          <Section title="Offers over time" testId="mesos-offer-history">
            <OfferChart mesos={mesos} />
          </Section>
        </>
      )}
    </Page>
  );
}
