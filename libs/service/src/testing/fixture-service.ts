// A tiny service for the shutdown test, run as its own process: `POST /hold` answers "started"
// at once and finishes ("done") only when the request body ends, so the test decides when the
// request in flight completes. On shutdown it writes the file named by argv[3], showing that
// the modules' shutdown hooks ran.
import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { writeFileSync } from 'node:fs';
import { bootstrapService, DirectHttpRoutes } from '../index';

const [port, markerFile] = process.argv.slice(2);

class HoldRoute {
  constructor(@Inject(DirectHttpRoutes) routes: DirectHttpRoutes) {
    routes.add('/hold', (request, response) => {
      response.writeHead(200, { 'Content-Type': 'text/plain' });
      response.write('started\n');
      request.resume();
      request.once('end', () => response.end('done\n'));
    });
  }
}

class ShutdownMarker implements OnApplicationShutdown {
  onApplicationShutdown(signal?: string): void {
    writeFileSync(markerFile, `shutdown ${signal ?? 'none'}\n`);
  }
}

@Module({ providers: [HoldRoute, ShutdownMarker] })
class FixtureModule {}

void bootstrapService({
  name: 'fixture',
  module: FixtureModule,
  http: { port: Number(port), host: '127.0.0.1' },
  drainTimeoutMs: 20_000,
}).then((service) => {
  process.stdout.write(`READY ${service.httpUrl}\n`);
});
