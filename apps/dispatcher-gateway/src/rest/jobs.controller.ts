import { Body, Controller, Delete, Get, Headers, HttpCode, HttpException, Inject, Param, Post, Query } from '@nestjs/common';
import { TokenAuth } from '../auth/token-auth';
import { GatewayError, GatewayErrorCode, httpStatusOf, toGatewayError } from '../errors';
import { JobGateway } from '../jobs/job-gateway';
import { jobJson, type JobJson } from '../jobs/job-view';
import { submitInputOfJson } from './submit-body';

/** The REST error body: the gateway error code and a sentence. */
export interface ErrorBody {
  error: GatewayErrorCode;
  message: string;
}

function httpError(error: unknown): HttpException {
  const refused = toGatewayError(error);
  const body: ErrorBody = { error: refused.code, message: refused.message };
  return new HttpException(body, httpStatusOf(refused.code));
}

function limitOf(text: string | undefined): number {
  if (text === undefined || text === '') return 0;
  if (!/^\d{1,6}$/.test(text)) throw new GatewayError(GatewayErrorCode.INVALID_ARGUMENT, `Query parameter limit=${JSON.stringify(text)} is not a whole number`);
  return Number(text);
}

/**
 * The REST API on `rest.port` for jobs: submit, list, get, cancel. Errors are `{error, message}`
 * with the HTTP status of the error code.
 */
@Controller()
export class JobsRestController {
  constructor(
    @Inject(JobGateway) private readonly gateway: JobGateway,
    @Inject(TokenAuth) private readonly auth: TokenAuth,
  ) {}

  @Post('jobs')
  @HttpCode(202)
  async submit(@Body() body: unknown, @Headers('authorization') authorization?: string): Promise<{ jobId: string; duplicate: boolean; state: string }> {
    try {
      this.auth.check(authorization);
      return await this.gateway.submit(() => submitInputOfJson(body));
    } catch (error) {
      throw httpError(error);
    }
  }

  @Get('jobs')
  async list(@Query('limit') limit?: string): Promise<{ jobs: JobJson[] }> {
    try {
      return { jobs: (await this.gateway.list(limitOf(limit))).map(jobJson) };
    } catch (error) {
      throw httpError(error);
    }
  }

  @Get('jobs/:id')
  async get(@Param('id') jobId: string): Promise<JobJson> {
    try {
      return jobJson(await this.gateway.get(jobId));
    } catch (error) {
      throw httpError(error);
    }
  }

  @Post('jobs/:id/cancel')
  @HttpCode(202)
  cancelByPost(@Param('id') jobId: string, @Headers('authorization') authorization?: string): Promise<JobJson> {
    return this.cancel(jobId, authorization);
  }

  @Delete('jobs/:id')
  @HttpCode(202)
  cancelByDelete(@Param('id') jobId: string, @Headers('authorization') authorization?: string): Promise<JobJson> {
    return this.cancel(jobId, authorization);
  }

  private async cancel(jobId: string, authorization: string | undefined): Promise<JobJson> {
    try {
      this.auth.check(authorization);
      return jobJson(await this.gateway.cancel(jobId));
    } catch (error) {
      throw httpError(error);
    }
  }
}
