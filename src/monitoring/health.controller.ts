import { defaultModel } from '../model-registry/default-model';
import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckResult, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { SkipThrottle } from '@nestjs/throttler';
import { Public } from '../common/auth/access.decorators';
import { SerializedAs } from '../common/response-schema';
import { ShutdownState } from '../common/shutdown-state';
import { APP_CONFIG, AppConfig } from '../config/config';
import { ActiveModels } from '../model-registry/active-models';
import { LoadedModel } from '../model-registry/loaded-model';
import { DatabaseHealthIndicator } from './database.health';

class LivenessDto {
  @ApiProperty({ example: 'healthy' }) status: string;
  @ApiProperty({ example: 'ml-service' }) service: string;
  @ApiProperty({
    type: String,
    enum: ['all', 'api', 'trainer'],
    description: 'SERVICE_ROLE: `api` serves and never trains',
  })
  role: string;
  @ApiProperty({ type: String, example: 'v1.0.0', nullable: true }) model_version: string | null;
  @ApiProperty({ example: true }) model_loaded: boolean;
  @ApiProperty({ example: '2026-11-23T12:34:56.789Z' }) timestamp: string;
}

@ApiTags('health')
@Public()
@SkipThrottle()
@Controller()
export class HealthController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly database: DatabaseHealthIndicator,
    private readonly models: ActiveModels,
    private readonly shutdown: ShutdownState,
  ) {}

  /** Liveness: the process answers. Deliberately does not touch the database. */
  @Get('health')
  @ApiOkResponse({ type: LivenessDto })
  @SerializedAs(LivenessDto)
  live(): LivenessDto {
    const primary = defaultModel(this.config.defaultAlgorithm, this.models.all()) ?? this.models.all()[0];
    return {
      status: 'healthy',
      service: 'ml-service',
      role: this.config.role,
      model_version: primary?.version ?? null,
      model_loaded: primary !== undefined,
      timestamp: new Date().toISOString(),
    };
  }

  /**
   * Readiness: able to serve now. That needs the database, or while it is down a model in memory
   * to serve from; it does not need a model, because a new install must get the traffic that
   * brings the feedback its first model is trained on. Until then it serves cold-start lists.
   */
  @Get(['health/ready', 'ready'])
  @ApiOkResponse({
    description: 'Database reachable (or, while it is down, a model in memory); the loaded model versions, or none yet',
  })
  @ApiServiceUnavailableResponse({
    description: '`{"detail": "not ready", "details": {...}}`, or `{"detail": "shutting down"}`',
  })
  async ready(): Promise<HealthCheckResult> {
    if (this.shutdown.draining) throw new ServiceUnavailableException({ detail: 'shutting down' });
    const loaded = this.models.all();
    try {
      return await this.health.check([
        () => this.database.ping('database', { canServeWithout: loaded.length > 0 }),
        () => this.modelState(loaded),
        () => this.roleState(),
      ]);
    } catch (error) {
      const result = error instanceof ServiceUnavailableException ? (error.getResponse() as object) : {};
      throw new ServiceUnavailableException({ detail: 'not ready', ...result });
    }
  }

  /** Information only: whether this process trains (an `api` replica never does). */
  private roleState() {
    const trains = this.config.role !== 'api';
    return this.indicators.check('role').up({
      role: this.config.role,
      trains,
      message: trains ? 'trains here: scheduler and training pool' : 'serves only: training runs on the trainer',
    });
  }

  /** Information only: which versions serve, never a reason to be unready. */
  private modelState(loaded: LoadedModel[]) {
    const indicator = this.indicators.check('model');
    const versions = Object.fromEntries(loaded.map((m) => [m.algorithm, m.version]));
    if (loaded.length === 0)
      return indicator.up({ versions, message: 'no model loaded yet: serving popularity from the database' });
    return indicator.up({ versions });
  }
}
