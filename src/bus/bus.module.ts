import { Global, Module } from '@nestjs/common';
import { CatalogueModule } from '../catalogue/catalogue.module';
import { FeedbackModule } from '../feedback/feedback.module';
import { BusIngestion } from './bus-ingestion';
import { busTransportProvider } from './bus-transport.provider';
import { OutboundEvents } from './outbound-events';

/**
 * The message bus (NATS JetStream when NATS_URL is set): ingestion of feedback and item upserts,
 * and outbound change events. Global so that the modules whose changes are announced can inject
 * OutboundEvents, which does nothing without a bus.
 */
@Global()
@Module({
  imports: [FeedbackModule, CatalogueModule],
  providers: [busTransportProvider, BusIngestion, OutboundEvents],
  exports: [OutboundEvents],
})
export class BusModule {}
