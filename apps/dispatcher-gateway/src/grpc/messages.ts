// The generated message types of mesoflow.dispatcher.v1 as plain objects (the shape
// @grpc/proto-loader produces with GRPC_LOADER_OPTIONS).
import type { mesoflow } from '@mesoflow/proto';

export type SubmitJobRequest = mesoflow.dispatcher.v1.SubmitJobRequest.$Properties;
export type SubmitJobResponse = mesoflow.dispatcher.v1.SubmitJobResponse.$Properties;
export type GetJobRequest = mesoflow.dispatcher.v1.GetJobRequest.$Properties;
export type ListJobsRequest = mesoflow.dispatcher.v1.ListJobsRequest.$Properties;
export type ListJobsResponse = mesoflow.dispatcher.v1.ListJobsResponse.$Properties;
export type CancelJobRequest = mesoflow.dispatcher.v1.CancelJobRequest.$Properties;
export type WatchJobRequest = mesoflow.dispatcher.v1.WatchJobRequest.$Properties;
export type { JobMessage } from '../jobs/job-view';
