import { errorMessageOf, relativeToPage } from './http';

describe('error answers', () => {
  it("use the gateway's sentence, from the job routes and from /api/v1", () => {
    expect(errorMessageOf(404, 'Not Found', JSON.stringify({ error: 'NOT_FOUND', message: "No job 'abc'" }))).toBe("No job 'abc'");
    expect(errorMessageOf(503, 'Service Unavailable', JSON.stringify({ error: "The scheduler's resource manager could not be read" }))).toBe(
      "The scheduler's resource manager could not be read",
    );
  });

  it('fall back to the status when the body says nothing', () => {
    expect(errorMessageOf(502, 'Bad Gateway', '<html>bad gateway</html>')).toBe('HTTP 502 Bad Gateway');
    expect(errorMessageOf(503, '', JSON.stringify({ reason: 'unavailable' }))).toBe('HTTP 503');
  });
});

describe('paths', () => {
  it("are relative to the page, so a proxy's prefix stays in front of them", () => {
    expect(relativeToPage('/api/v1/overview')).toBe('./api/v1/overview');
    expect(relativeToPage('/jobs/abc/cancel')).toBe('./jobs/abc/cancel');
    expect(new URL(relativeToPage('/api/v1/overview'), 'https://dcos.example/service/mesoflow/').href).toBe('https://dcos.example/service/mesoflow/api/v1/overview');
  });
});
