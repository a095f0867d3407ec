import { Module } from '@nestjs/common';
import { DemoSeeder } from './demo-seeder';

/** The demo catalogue and experiment, seeded into an empty database when SEED_DEMO_DATA asks for it. */
@Module({
  providers: [DemoSeeder],
  exports: [DemoSeeder],
})
export class DemoModule {}
