import { Controller, Get, NotFoundException, Param, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../common/auth/access.decorators';
import { CONTENT_SECURITY_POLICY, isDashboardFile } from './dashboard-assets';

/**
 * GET /dashboard: the operator's web app. Its files are public and not rate limited (a page load
 * fetches a dozen); the data it shows comes from the protected API, with the operator's token.
 * The files are sent by @fastify/static (registered in app.factory.ts with the folder as its root).
 */
@ApiExcludeController()
@Public()
@SkipThrottle()
@Controller('dashboard')
export class DashboardController {
  @Get()
  index(@Req() request: FastifyRequest, @Res() reply: FastifyReply): FastifyReply {
    // The page's URLs are relative (styles.css, ../v1/models), so it must be at /dashboard/. A
    // relative redirect keeps that true behind a proxy that serves the service under a prefix.
    if (!request.url.split('?')[0].endsWith('/')) return reply.redirect('dashboard/', 301);
    return send(reply, 'index.html');
  }

  @Get(':file')
  asset(@Param('file') file: string, @Res() reply: FastifyReply): FastifyReply {
    return send(reply, file);
  }
}

function send(reply: FastifyReply, name: string): FastifyReply {
  if (!isDashboardFile(name)) throw new NotFoundException(`no dashboard file ${name}`);
  // Revalidated every time (a cheap 304 by ETag), so a deployment's new files show at once.
  return reply
    .header('Content-Security-Policy', CONTENT_SECURITY_POLICY)
    .header('Cache-Control', 'no-cache')
    .sendFile(name, { cacheControl: false });
}
