import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsObject, IsOptional } from 'class-validator';
import { ALGORITHM_REGISTRY } from '../algorithms/registry';
import { ALGORITHMS, AlgorithmName } from '../algorithms/types';
import { OptionalTimestamp } from '../common/validation';

export class RetrainRequestDto {
  @ApiPropertyOptional({ enum: ALGORITHMS, description: 'Train only this algorithm; default: every enabled one' })
  @IsOptional()
  @IsIn(ALGORITHMS)
  algorithm?: AlgorithmName;

  @OptionalTimestamp('Only feedback at or after this time', '2026-09-01T00:00:00Z')
  start_date?: string;

  @OptionalTimestamp('Only feedback before this time', '2026-11-23T00:00:00Z')
  end_date?: string;

  @ApiPropertyOptional({
    description: `Parameters over the algorithm's defaults (needs \`algorithm\`); anything else is a 400. Every algorithm also takes \`tune\` (true or false): search its grid on a validation split carved from the training data first, the trials recorded in the version.\n\n${paramsDocumentation()}`,
    example: { neighbours: 50 },
  })
  @IsOptional()
  @IsObject()
  params?: Record<string, number | string | boolean>;

  @ApiPropertyOptional({ description: 'Activate even if the evaluation gate would reject it' })
  @IsOptional()
  @IsBoolean()
  force?: boolean;
}

export class RetrainQueryDto {
  @ApiPropertyOptional({ description: 'Answer 202 at once with the version ids to poll' })
  @IsOptional()
  @IsIn(['true', 'false'])
  async?: 'true' | 'false';
}

function paramsDocumentation(): string {
  return Object.values(ALGORITHM_REGISTRY)
    .map(({ name, params }) => {
      const lines = Object.entries(params).map(([param, spec]) => {
        const allowed =
          spec.type === 'choice'
            ? `one of ${spec.choices.join(', ')}`
            : spec.type === 'boolean'
              ? 'true or false'
              : `${spec.type} ${spec.min}–${spec.max}${spec.atMostThe ? `, at most the number of ${spec.atMostThe}` : ''}`;
        return `  - \`${param}\` (${allowed}; default ${spec.default}): ${spec.meaning}`;
      });
      return [`- **${name}**`, ...lines].join('\n');
    })
    .join('\n');
}
