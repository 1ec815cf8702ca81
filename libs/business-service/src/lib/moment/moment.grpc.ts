import { Controller, UseGuards } from '@nestjs/common';
import { Metadata } from '@grpc/grpc-js';
import { businessMoment } from '@gim/contracts';
import { validated } from '@gim/rpc';
import { authenticatedCaller, ExtAuthGuard } from '../auth/ext-auth.guard';
import {
  CommentFields,
  CommentIdFields,
  MomentIdFields,
  PostMomentFields,
  TimelineFields,
} from './moment.requests';
import { MomentUseCases, MomentView } from './moment.usecases';

function toMoment(view: MomentView): businessMoment.Moment {
  const { moment, author } = view;
  return {
    momentId: moment.id,
    userId: author.appUserId,
    nickname: author.nickname,
    avatarUrl: author.avatarUrl,
    text: moment.text,
    fileUrls: view.fileUrls,
    likeCount: view.likeCount,
    commentCount: view.commentCount,
    liked: view.liked,
    createdAt: moment.createdAt,
  };
}

/** Client-facing `business.MomentExtService`: every call acts as the authenticated caller, inside its app. */
@Controller()
@UseGuards(ExtAuthGuard)
@businessMoment.MomentExtServiceControllerMethods()
export class MomentExtGrpcController implements businessMoment.MomentExtServiceController {
  constructor(private readonly moments: MomentUseCases) {}

  async post(
    request: businessMoment.PostMomentRequest,
    metadata?: Metadata,
  ): Promise<businessMoment.PostMomentReply> {
    const post = validated(PostMomentFields, request);
    const moment = await this.moments.post(authenticatedCaller(metadata), post.text, post.fileUrls);
    return { momentId: moment.id, createdAt: moment.createdAt };
  }

  async delete(request: businessMoment.MomentIdRequest, metadata?: Metadata): Promise<void> {
    await this.moments.remove(authenticatedCaller(metadata), validated(MomentIdFields, request).momentId);
  }

  async like(request: businessMoment.MomentIdRequest, metadata?: Metadata): Promise<void> {
    await this.moments.like(authenticatedCaller(metadata), validated(MomentIdFields, request).momentId);
  }

  async unlike(request: businessMoment.MomentIdRequest, metadata?: Metadata): Promise<void> {
    await this.moments.unlike(authenticatedCaller(metadata), validated(MomentIdFields, request).momentId);
  }

  async comment(
    request: businessMoment.CommentMomentRequest,
    metadata?: Metadata,
  ): Promise<businessMoment.CommentMomentReply> {
    const comment = validated(CommentFields, request);
    const stored = await this.moments.comment(authenticatedCaller(metadata), comment.momentId, comment.text);
    return { commentId: stored.id, createdAt: stored.createdAt };
  }

  async deleteComment(request: businessMoment.DeleteCommentRequest, metadata?: Metadata): Promise<void> {
    await this.moments.removeComment(
      authenticatedCaller(metadata),
      validated(CommentIdFields, request).commentId,
    );
  }

  async timeline(
    request: businessMoment.TimelineRequest,
    metadata?: Metadata,
  ): Promise<businessMoment.TimelineReply> {
    const page = validated(TimelineFields, request);
    const { views, next } = await this.moments.timeline(
      authenticatedCaller(metadata),
      page.beforeId,
      page.limit,
    );
    return { moments: views.map(toMoment), nextBeforeId: next };
  }

  async get(
    request: businessMoment.MomentIdRequest,
    metadata?: Metadata,
  ): Promise<businessMoment.GetMomentReply> {
    const { view, comments, likers } = await this.moments.get(
      authenticatedCaller(metadata),
      validated(MomentIdFields, request).momentId,
    );
    return {
      moment: toMoment(view),
      comments: comments.map(({ comment, author }) => ({
        commentId: comment.id,
        userId: author.appUserId,
        nickname: author.nickname,
        text: comment.text,
        createdAt: comment.createdAt,
      })),
      likedBy: likers.map((user) => user.appUserId),
    };
  }
}
