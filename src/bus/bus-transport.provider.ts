import { Provider } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { Telemetry } from '../telemetry/telemetry';
import { NatsTransport } from './nats-transport';
import { BusTransport } from './transport';

/** Injection token for the BusTransport, null when no bus is configured (NATS_URL unset). */
export const BUS_TRANSPORT = Symbol('BUS_TRANSPORT');

export const busTransportProvider: Provider = {
  provide: BUS_TRANSPORT,
  inject: [APP_CONFIG, Telemetry],
  useFactory: (config: AppConfig, telemetry: Telemetry): BusTransport | null =>
    config.bus && new NatsTransport(config.bus, (connected) => telemetry.busConnection(connected)),
};
