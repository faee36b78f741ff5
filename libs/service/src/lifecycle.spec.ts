import { HealthController } from './service.module';
import { ServiceLifecycle } from './lifecycle';

describe('ServiceLifecycle and /healthz', () => {
  function probe(lifecycle: ServiceLifecycle): { code: number; body: { status: string } } {
    let code = 0;
    const body = new HealthController(lifecycle).health({ status: (value: number) => (code = value) });
    return { code, body };
  }

  it('answers 503 while starting, 200 when ready, 503 while draining and after', () => {
    const lifecycle = new ServiceLifecycle();
    expect(probe(lifecycle)).toEqual({ code: 503, body: { status: 'starting' } });
    lifecycle.markReady();
    expect(probe(lifecycle)).toEqual({ code: 200, body: { status: 'ready' } });
    lifecycle.beginDrain();
    expect(probe(lifecycle)).toEqual({ code: 503, body: { status: 'draining' } });
    lifecycle.markStopped();
    expect(probe(lifecycle)).toEqual({ code: 503, body: { status: 'stopped' } });
  });

  it('runs drain listeners once, and at once when registered late', () => {
    const lifecycle = new ServiceLifecycle();
    lifecycle.markReady();
    const calls: string[] = [];
    lifecycle.onDrain(() => calls.push('early'));
    lifecycle.beginDrain();
    lifecycle.beginDrain();
    lifecycle.onDrain(() => calls.push('late'));
    expect(calls).toEqual(['early', 'late']);
  });

  it('does not become ready again once draining', () => {
    const lifecycle = new ServiceLifecycle();
    lifecycle.beginDrain();
    lifecycle.markReady();
    expect(lifecycle.state).toBe('draining');
  });
});
