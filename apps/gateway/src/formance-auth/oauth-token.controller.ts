import { Body, Controller, HttpCode, Post, Res } from '@nestjs/common';
import type { Response } from 'express';
import { FormanceAuthService } from './formance-auth.service';

/** OAuth2 client-credentials token endpoint (what the Formance SDK calls). */
@Controller('api/auth/oauth')
export class OAuthTokenController {
  constructor(private readonly auth: FormanceAuthService) {}

  @Post('token')
  @HttpCode(200)
  async token(@Body() body: Record<string, unknown> | undefined, @Res({ passthrough: true }) res: Response): Promise<unknown> {
    const field = (name: string) => (typeof body?.[name] === 'string' ? (body[name] as string) : undefined);
    res.setHeader('Cache-Control', 'no-store');
    if (field('grant_type') !== 'client_credentials') {
      res.status(400);
      return { error: 'unsupported_grant_type', error_description: 'only client_credentials is supported' };
    }
    const clientId = field('client_id');
    const clientSecret = field('client_secret');
    const scopes = clientId && clientSecret ? this.auth.authenticate(clientId, clientSecret, field('scope')) : undefined;
    if (!scopes) {
      res.status(401);
      return { error: 'invalid_client', error_description: 'unknown client or wrong secret' };
    }
    const { token, expiresIn } = await this.auth.issue(clientId!, scopes);
    return { access_token: token, token_type: 'Bearer', expires_in: expiresIn, scope: scopes.join(' ') };
  }
}
