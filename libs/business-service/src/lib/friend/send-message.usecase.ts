import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import {
  IsInt,
  IsPositive,
  IsString,
  Matches,
  MaxLength,
  ValidateBy,
  ValidationArguments,
} from 'class-validator';
import { GetUserUseCase } from '../user/get-user.usecase';
import { MAX_MESSAGE_CONTENT_BYTES, MessageSender, SentMessage } from './friend';

function isMessageContent(value: unknown): boolean {
  return Buffer.isBuffer(value) && value.length > 0 && value.length <= MAX_MESSAGE_CONTENT_BYTES;
}

/** A one-to-one message from the authenticated caller. */
export class SendMessageCommand {
  /** the authenticated sender */
  @IsInt()
  @IsPositive()
  senderId!: number;

  /** the device it is sent from */
  @IsInt()
  @IsPositive()
  senderDeviceId!: number;

  /** the receiver (named like the request field) */
  @IsInt()
  @IsPositive()
  userId!: number;

  @ValidateBy({
    name: 'messageContent',
    validator: {
      validate: isMessageContent,
      defaultMessage: (args?: ValidationArguments) =>
        `${args?.property ?? 'content'} must be 1 to ${MAX_MESSAGE_CONTENT_BYTES} bytes`,
    },
  })
  content!: Buffer;

  /** '' (as from Go gim clients) means "not deduplicated" */
  @IsString()
  @MaxLength(64)
  @Matches(/^[\x21-\x7e]*$/, { message: 'clientMsgId must be printable ASCII without spaces' })
  clientMsgId!: string;
}

/** Sends a one-to-one message through logic after checking that the receiver exists (no friendship required yet). */
@Injectable()
export class SendMessageUseCase {
  constructor(
    private readonly getUser: GetUserUseCase,
    private readonly messages: MessageSender,
  ) {}

  async execute(command: SendMessageCommand): Promise<SentMessage> {
    await this.getUser.execute({ userId: command.userId });
    return this.messages.sendUserMessage({
      senderId: command.senderId,
      senderDeviceId: command.senderDeviceId,
      receiverId: command.userId,
      clientMsgId: command.clientMsgId || randomUUID(),
      content: command.content,
    });
  }
}
