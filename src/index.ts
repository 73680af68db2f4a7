// The public surface of xcluster's master side. Worker files import from `xcluster/worker`.
export { supervise, SupervisedCluster } from './supervisor/supervise.js'
export type { ReloadOptions } from './supervisor/supervise.js'
export type { SuperviseOptions, DashboardOptions, InspectObserver, AnyContract } from './supervisor/supervise-options.js'
export type { MetricsOptions } from './ops/metrics-options.js'
export type { XclusterMetrics } from './supervisor/cluster-ops.js'
export type { RestartOptions, HealthOptions } from './supervisor/settings.js'
export type { ClusterWorker } from './supervisor/cluster.js'
export type { ClusterEvents, WorkerExitEvent, WorkerRestartEvent, CrashRecord } from './supervisor/events.js'
export type { TransitionEvent, WorkerInfo } from './supervisor/worker-table.js'
export type { XclusterStartTiming } from './supervisor/start-timing.js'
export type { CallOptions } from './supervisor/channel.js'
export type { UploadWindow } from './rpc/peer-options.js'
export { defineContract } from './rpc/contract.js'
export type { Contract, Settled, WorkerApi, MasterApi, WorkerHandlers, MasterHandlers, ContractEvents, CallProxy } from './rpc/contract.js'
export {
  XclusterError,
  RpcTimeoutError,
  RpcAbortError,
  RemoteError,
  UnknownMethodError,
  PayloadTooLargeError,
  EncodeError,
  ProtocolError,
  RpcClosedError,
  RpcOverloadedError,
} from './rpc/errors.js'
export type { XclusterErrorOptions, PayloadKind } from './rpc/errors.js'
export {
  WorkerExitedError,
  WorkerDrainingError,
  NoWorkerError,
  SupervisorFailedError,
  ReloadFailedError,
  ClusterStoppedError,
  WorkerNotFoundError,
} from './supervisor/errors.js'
export type { WorkerExitDetails, SupervisorFailure, ReloadFailure } from './supervisor/errors.js'
export { MasterExitedError } from './worker/errors.js'
export { createMemoryActorStore } from './actors/memory-store.js'
export type { XclusterActorsOptions } from './actors/actor-options.js'
export type { XclusterActorRef } from './actors/actor-ref.js'
export type {
  ActorErrorEvent,
  ActorInfo,
  ActorRefOptions,
  SendAndWaitOptions,
  ContractActors,
  ActorKind,
  ActorEvent,
  ActorSnapshot,
} from './actors/contract-actors.js'
export {
  ActorKindError,
  ActorTimeoutError,
  ActorUnavailableError,
  ActorFailedError,
  ActorStoppedError,
  ActorSnapshotTooLargeError,
  ActorStoreFailedError,
  ActorEncodeError,
} from './actors/errors.js'
export { createRedisActorStore } from './actors/redis-store.js'
export type { XclusterRedisActorStoreOptions, XclusterRedisClient } from './actors/redis-store.js'
export { ActorStoreError } from './actors/actor-store-error.js'
export type { ActorStoreErrorCode, ActorStoreOperation } from './actors/actor-store-error.js'
export type { XclusterActorStore, XclusterActorRecord } from './actors/actor-store.js'
export type { XclusterLogOptions } from './ops/log-options.js'
export type { XclusterLogLine, XclusterLogFilter } from './ops/log-buffer.js'
export { formatLogLine } from './ops/log-format.js'
export type { XclusterLogFormat } from './ops/log-format.js'
export { createLiveView } from './inspect/live-view.js'
export { createInspectorServer } from './inspect/inspector-server.js'
export type { XclusterInspectorServer, XclusterInspectorServerOptions } from './inspect/inspector-server.js'
export { renderStatechart } from './inspect/render-statechart.js'
export type { XclusterStatechartOptions } from './inspect/render-statechart.js'
export { combineInspectors } from './inspect/combine-inspectors.js'
export type { XclusterLiveView, XclusterLiveViewOptions } from './inspect/live-view.js'
