import { Controller, Get, Header, HttpException, Inject, Param, Query, Req, Res } from '@nestjs/common';
import { parseTopics, type ConfigEntryView, type JobDetailView, type JobSummaryView, type MesosView, type OverviewView, type TaskManagerView } from '@mesoflow/web-api';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { httpStatusOf, toGatewayError } from '../errors';
import { parseJobFilter, type QueryValue } from './job-views';
import { LiveEvents } from './live-events';
import { WebUiFiles } from './web-ui-files';
import { WebViews } from './web-views';

/** The parts of Fastify's request and reply these routes use: they answer on the Node response. */
interface RawRequest {
  readonly raw: IncomingMessage;
}
interface HijackableReply {
  readonly raw: ServerResponse;
  /** Tells Fastify the handler answers on `raw` itself. */
  hijack(): void;
}

/** The web API's error body: one sentence. */
export interface WebErrorBody {
  error: string;
}

function failed(error: unknown): HttpException {
  const refused = toGatewayError(error);
  const body: WebErrorBody = { error: refused.message };
  return new HttpException(body, httpStatusOf(refused.code));
}

async function answer<T>(view: () => T | Promise<T>): Promise<T> {
  try {
    return await view();
  } catch (error) {
    throw failed(error);
  }
}

function badRequest(error: string): HttpException {
  const body: WebErrorBody = { error };
  return new HttpException(body, 400);
}

/** `/api/v1`: the web UI's read API and its live events (@mesoflow/web-api). Errors are `{error}`. */
@Controller('api/v1')
export class WebApiController {
  constructor(
    @Inject(WebViews) private readonly views: WebViews,
    @Inject(LiveEvents) private readonly live: LiveEvents,
  ) {}

  @Get('overview')
  @Header('Cache-Control', 'no-store')
  overview(): Promise<OverviewView> {
    return answer(() => this.views.overview());
  }

  @Get('jobs')
  @Header('Cache-Control', 'no-store')
  jobs(@Query('state') state?: QueryValue, @Query('q') q?: QueryValue, @Query('limit') limit?: QueryValue): Promise<JobSummaryView[]> {
    const filter = parseJobFilter({ state, q, limit });
    if ('error' in filter) throw badRequest(filter.error);
    return answer(() => this.views.jobs(filter));
  }

  @Get('jobs/:jobId')
  @Header('Cache-Control', 'no-store')
  job(@Param('jobId') jobId: string): Promise<JobDetailView> {
    return answer(() => this.views.job(jobId));
  }

  @Get('taskmanagers')
  @Header('Cache-Control', 'no-store')
  taskManagers(): Promise<TaskManagerView[]> {
    return answer(() => this.views.taskManagers());
  }

  @Get('mesos')
  @Header('Cache-Control', 'no-store')
  mesos(): Promise<MesosView> {
    return answer(() => this.views.mesos());
  }

  @Get('config')
  @Header('Cache-Control', 'no-store')
  config(): ConfigEntryView[] {
    return this.views.config();
  }

  @Get('events')
  events(@Query('topic') topic: QueryValue, @Res() reply: HijackableReply): void {
    const topics = parseTopics(topic === undefined ? [] : [topic].flat());
    if ('error' in topics) throw badRequest(topics.error);
    reply.hijack();
    if (this.live.open(topics.topics, reply.raw)) return;
    const body = JSON.stringify({ error: 'This gateway streams to as many browsers as it can now, or is shutting down; try again later' } satisfies WebErrorBody);
    reply.raw.writeHead(503, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body), 'Retry-After': '5' });
    reply.raw.end(body);
  }
}

/**
 * The built web UI on every GET path no other route takes: `/` (also Marathon's health check),
 * its files, and its client-side routes (index.html).
 */
@Controller()
export class WebUiController {
  constructor(@Inject(WebUiFiles) private readonly files: WebUiFiles) {}

  @Get()
  root(@Req() request: RawRequest, @Res() reply: HijackableReply): Promise<void> {
    return this.serve(request, reply);
  }

  @Get('*')
  any(@Req() request: RawRequest, @Res() reply: HijackableReply): Promise<void> {
    return this.serve(request, reply);
  }

  private serve(request: RawRequest, reply: HijackableReply): Promise<void> {
    reply.hijack();
    return this.files.serve(request.raw, reply.raw);
  }
}
