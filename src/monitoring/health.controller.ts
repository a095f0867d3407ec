import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckResult, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { SkipThrottle } from '@nestjs/throttler';
import { Public } from '../common/auth/access.decorators';
import { ShutdownState } from '../common/shutdown-state';
import { APP_CONFIG, AppConfig } from '../config/config';
import { ActiveModels } from '../model-registry/active-models';
import { DatabaseHealthIndicator } from './database.health';

class LivenessDto {
  @ApiProperty({ example: 'healthy' }) status: string;
  @ApiProperty({ example: 'ml-service' }) service: string;
  @ApiProperty({ example: 'v1.0.0', nullable: true }) model_version: string | null;
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
  live(): LivenessDto {
    const primary = this.models.get(this.config.defaultAlgorithm as never) ?? this.models.all()[0];
    return {
      status: 'healthy',
      service: 'ml-service',
      model_version: primary?.version ?? null,
      model_loaded: primary !== undefined,
      timestamp: new Date().toISOString(),
    };
  }

  @Get(['health/ready', 'ready'])
  @ApiOkResponse({ description: 'Database reachable and a model loaded' })
  @ApiServiceUnavailableResponse({ description: '`{"detail": "not ready", "details": {...}}`, or `{"detail": "shutting down"}`' })
  async ready(): Promise<HealthCheckResult> {
    if (this.shutdown.draining) throw new ServiceUnavailableException({ detail: 'shutting down' });
    try {
      return await this.health.check([() => this.database.ping('database'), () => this.modelCheck()]);
    } catch (error) {
      const result = error instanceof ServiceUnavailableException ? (error.getResponse() as object) : {};
      throw new ServiceUnavailableException({ detail: 'not ready', ...result });
    }
  }

  private modelCheck() {
    const indicator = this.indicators.check('model');
    const loaded = this.models.all();
    if (loaded.length === 0) return indicator.down({ message: 'no model loaded yet' });
    return indicator.up({ versions: Object.fromEntries(loaded.map((m) => [m.algorithm, m.version])) });
  }
}
