/** Where an effective value came from; the web UI shows it next to the value. */
export type ConfigSource =
  | { readonly kind: 'default' }
  | { readonly kind: 'file'; readonly path: string; readonly line: number }
  | { readonly kind: 'environment'; readonly variable: string }
  | { readonly kind: 'dynamic-property' }
  | { readonly kind: 'programmatic' };

/** The one `default` source. */
export const DEFAULT_SOURCE: ConfigSource = Object.freeze({ kind: 'default' });

/** A short human description: `default`, `/etc/mesoflow/mesoflow-conf.yaml:12`, `environment variable MESOFLOW_REST_PORT`, `-D`. */
export function describeSource(source: ConfigSource): string {
  switch (source.kind) {
    case 'default':
      return 'default';
    case 'file':
      return `${source.path}:${source.line}`;
    case 'environment':
      return `environment variable ${source.variable}`;
    case 'dynamic-property':
      return '-D';
    case 'programmatic':
      return 'set in code';
  }
}

/** One raw `key = text` setting read from a source, before parsing. */
export interface RawSetting {
  readonly key: string;
  readonly text: string;
  readonly source: ConfigSource;
}
