import { apiPaths, type ConfigEntryView } from '@mesoflow/web-api';
import { useState } from 'react';
import { useFetched } from '../shell/hooks';
import { Empty, Missing, Page } from '../shell/ui';
import { filterConfig } from './config-filter';

/** The gateway's effective configuration; it does not change while the gateway runs, so one GET. */
export function ConfigPage() {
  const { data: entries, error } = useFetched<readonly ConfigEntryView[]>(apiPaths.config);
  const [text, setText] = useState('');
  const shown = entries === undefined ? [] : filterConfig(entries, text);
  return (
    <Page title="Configuration" testId="page-config">
      <div className="toolbar">
        <label>
          Filter{' '}
          <input type="search" data-testid="config-filter" placeholder="key, value, source or description" value={text} onChange={(event) => setText(event.target.value)} />
        </label>
        <span className="muted count" data-testid="config-count">
          {entries === undefined ? '' : `${shown.length} of ${entries.length} options`}
        </span>
      </div>
      {entries === undefined ? (
        <Missing error={error} />
      ) : shown.length === 0 ? (
        <Empty testId="config-empty">No option matches the filter.</Empty>
      ) : (
        <table className="table" data-testid="config-table">
          <colgroup>
            <col style={{ width: '28%' }} />
            <col style={{ width: '22%' }} />
            <col style={{ width: '14rem' }} />
            <col />
          </colgroup>
          <thead>
            <tr>
              <th>Key</th>
              <th>Value</th>
              <th>Source</th>
              <th>Description</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((entry) => (
              <tr key={entry.key} data-testid={`config-row-${entry.key}`}>
                <td className="mono wrap">{entry.key}</td>
                <td className="mono wrap" data-testid={`config-value-${entry.key}`}>
                  {entry.value === undefined ? <span className="muted">unset</span> : entry.value}
                  {entry.sensitive && <span className="tag">sensitive</span>}
                </td>
                <td className="ellipsis" title={entry.sourceText}>
                  {entry.source}
                  {entry.sourceText !== '' && entry.sourceText !== entry.source && <div className="muted small ellipsis">{entry.sourceText}</div>}
                </td>
                <td className="wrap">{entry.description}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Page>
  );
}
