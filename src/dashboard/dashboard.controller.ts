import { Controller, Get, NotFoundException, Param, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { Request, Response } from 'express';
import { Public } from '../common/auth/access.decorators';
import { CONTENT_SECURITY_POLICY, dashboardFile } from './dashboard-assets';

/**
 * GET /dashboard: the operator's web app. Its files are public and not rate limited (a page load
 * fetches a dozen); the data it shows comes from the protected API, with the operator's token.
 */
@ApiExcludeController()
@Public()
@SkipThrottle()
@Controller('dashboard')
export class DashboardController {
  @Get()
  index(@Req() request: Request, @Res() response: Response): void {
    // The page's URLs are relative (styles.css, ../v1/models), so it must be at /dashboard/. A
    // relative redirect keeps that true behind a proxy that serves the service under a prefix.
    if (!request.path.endsWith('/')) return response.redirect(301, 'dashboard/');
    send(response, 'index.html');
  }

  @Get(':file')
  asset(@Param('file') file: string, @Res() response: Response): void {
    send(response, file);
  }
}

function send(response: Response, name: string): void {
  const path = dashboardFile(name);
  if (path === null) throw new NotFoundException(`no dashboard file ${name}`);
  response.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  // Revalidated every time (a cheap 304 by ETag), so a deployment's new files show at once.
  response.sendFile(path, { headers: { 'Cache-Control': 'no-cache' } });
}
