import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { BusinessConfig } from '../business.config';
import { LogicModule } from '../logic/logic.module';
import { UserModule } from '../user/user.module';
import { FileAppUploadedFiles } from './file-app.client';
import { FileUrls, UploadedFiles } from './moment-files';
import { MomentExtGrpcController } from './moment.grpc';
import { MomentRepository } from './moment.repository';
import { MomentUseCases } from './moment.usecases';

/** Moments: posts, likes, comments and the friends' timeline; files checked with the file app. */
@Module({
  imports: [AuthModule, UserModule, LogicModule],
  controllers: [MomentExtGrpcController],
  providers: [
    MomentRepository,
    MomentUseCases,
    {
      provide: FileUrls,
      inject: [BusinessConfig],
      useFactory: (config: BusinessConfig) =>
        new FileUrls(config.GIM_FILE_PUBLIC_URL, config.GIM_FILE_HTTP_ADDR),
    },
    { provide: UploadedFiles, useClass: FileAppUploadedFiles },
  ],
})
export class MomentModule {}
