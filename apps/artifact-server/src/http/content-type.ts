/** Content types of the files a fetcher downloads; anything else is application/octet-stream. */
const TYPES: ReadonlyMap<string, string> = new Map([
  ['.jar', 'application/java-archive'],
  ['.zip', 'application/zip'],
  ['.gz', 'application/gzip'],
  ['.tgz', 'application/gzip'],
  ['.tar', 'application/x-tar'],
  ['.xz', 'application/x-xz'],
  ['.bz2', 'application/x-bzip2'],
  ['.zst', 'application/zstd'],
  ['.json', 'application/json'],
  ['.yaml', 'application/yaml'],
  ['.yml', 'application/yaml'],
  ['.js', 'text/javascript; charset=utf-8'],
  ['.mjs', 'text/javascript; charset=utf-8'],
  ['.cjs', 'text/javascript; charset=utf-8'],
  ['.txt', 'text/plain; charset=utf-8'],
  ['.properties', 'text/plain; charset=utf-8'],
  ['.conf', 'text/plain; charset=utf-8'],
  ['.sh', 'text/x-shellscript; charset=utf-8'],
  ['.html', 'text/html; charset=utf-8'],
  ['.css', 'text/css; charset=utf-8'],
  ['.xml', 'application/xml'],
  ['.pem', 'application/x-pem-file'],
  ['.crt', 'application/x-x509-ca-cert'],
  ['.png', 'image/png'],
  ['.svg', 'image/svg+xml'],
]);

/** The Content-Type for an artifact path, from its extension. */
export function contentTypeOf(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return 'application/octet-stream';
  return TYPES.get(name.slice(dot).toLowerCase()) ?? 'application/octet-stream';
}
