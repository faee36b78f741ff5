import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { Controller, Get, Inject, Module } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { freePort, waitFor } from '@mesoflow/testing';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Counter, type Registry } from 'prom-client';
import { bootstrapService, DirectHttpRoutes, SERVICE_METRICS, type RunningService } from './index';

const ECHO_PROTO = `
syntax = "proto3";
package svctest;
service Echo { rpc Say(Message) returns (Message); }
message Message { string text = 1; }
`;

@Controller()
class HelloController {
  private readonly hellos: Counter;

  constructor(@Inject(SERVICE_METRICS) registry: Registry) {
    this.hellos = new Counter({ name: 'svctest_hellos_total', help: 'Hellos said.', registers: [registry] });
  }

  @Get('hello')
  hello(): { hello: string } {
    this.hellos.inc();
    return { hello: 'world' };
  }

  @GrpcMethod('Echo', 'Say')
  say(request: { text?: string }): { text: string } {
    return { text: `echo ${request.text ?? ''}` };
  }
}

class DirectRoute {
  constructor(@Inject(DirectHttpRoutes) routes: DirectHttpRoutes) {
    routes.add('/direct/', (request, response) => {
      response.writeHead(200, { 'Content-Type': 'text/plain' });
      response.end(`direct ${request.url}`);
    });
  }
}

@Module({ controllers: [HelloController], providers: [DirectRoute] })
class HelloModule {}

describe('bootstrapService', () => {
  let dir: string;
  let service: RunningService;
  let grpcPort: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'service-'));
    writeFileSync(join(dir, 'echo.proto'), ECHO_PROTO);
    grpcPort = await freePort();
    service = await bootstrapService({
      name: 'hello',
      module: HelloModule,
      http: { port: 0, host: '127.0.0.1' },
      grpc: {
        url: `127.0.0.1:${grpcPort}`,
        package: 'svctest',
        protoPath: 'echo.proto',
        loader: { keepCase: true, includeDirs: [dir] },
      },
      logger: pino({ level: 'silent' }),
      shutdownSignals: false,
    });
  });

  afterAll(async () => {
    await service?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers /healthz with 200 once ready', async () => {
    const response = await fetch(`${service.httpUrl}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ready' });
  });

  it('serves Nest routes, direct routes and a 404 for the rest', async () => {
    expect(await (await fetch(`${service.httpUrl}/hello`)).json()).toEqual({ hello: 'world' });
    const direct = await fetch(`${service.httpUrl}/direct/a?b`);
    expect(await direct.text()).toBe('direct /direct/a?b');
    expect((await fetch(`${service.httpUrl}/nowhere`)).status).toBe(404);
  });

  it('exposes default and service metrics at /metrics in Prometheus format', async () => {
    await fetch(`${service.httpUrl}/hello`);
    const response = await fetch(`${service.httpUrl}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toMatch(/^svctest_hellos_total [1-9]/m);
  });

  it('serves gRPC on the same application', async () => {
    const definition = loadSync('echo.proto', { keepCase: true, includeDirs: [dir] });
    const Echo = (grpc.loadPackageDefinition(definition)['svctest'] as grpc.GrpcObject)['Echo'] as grpc.ServiceClientConstructor;
    const client = new Echo(`127.0.0.1:${grpcPort}`, grpc.credentials.createInsecure()) as unknown as {
      Say(request: { text: string }, callback: (error: grpc.ServiceError | null, value: { text: string }) => void): void;
      close(): void;
    };
    try {
      const reply = await new Promise<{ text: string }>((resolve, reject) =>
        client.Say({ text: 'hi' }, (error, value) => (error ? reject(error) : resolve(value))),
      );
      expect(reply).toEqual({ text: 'echo hi' });
    } finally {
      client.close();
    }
  });
});

describe('bootstrapService close()', () => {
  it('lets a request in flight finish, refuses new connections, and ends stopped', async () => {
    @Module({})
    class EmptyModule {}
    let release: (() => void) | undefined;
    class Slow {
      constructor(@Inject(DirectHttpRoutes) routes: DirectHttpRoutes) {
        routes.add('/slow', (_request, response) => {
          response.write('part one, ');
          release = () => response.end('part two');
        });
      }
    }
    @Module({ imports: [EmptyModule], providers: [Slow] })
    class SlowModule {}

    const service = await bootstrapService({
      name: 'slow',
      module: SlowModule,
      http: { port: 0, host: '127.0.0.1' },
      logger: pino({ level: 'silent' }),
      shutdownSignals: false,
    });
    const inFlight = fetch(`${service.httpUrl}/slow`);
    const response = await inFlight;
    const closing = service.close();
    await waitFor(() => service.lifecycle.state === 'draining', { description: 'the service to drain' });
    await expect(fetch(`${service.httpUrl}/healthz`)).rejects.toThrow();
    release!();
    expect(await response.text()).toBe('part one, part two');
    await closing;
    expect(service.lifecycle.state).toBe('stopped');
  });
});
