import { Injectable } from '@nestjs/common';
import { IsInt, IsPositive, IsString, Matches, MaxLength, ValidateBy } from 'class-validator';
import { MessageSender, SentMessage } from './friend';

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

  /** the body; its size rule is logic's, the same on every path */
  @ValidateBy({
    name: 'isBytes',
    validator: {
      validate: (value: unknown) => Buffer.isBuffer(value),
      defaultMessage: () => 'content must be bytes',
    },
  })
  content!: Buffer;

  /** '' (as from Go gim clients) means "not deduplicated" */
  @IsString()
  @MaxLength(64)
  @Matches(/^[\x21-\x7e]*$/, { message: 'clientMsgId must be printable ASCII without spaces' })
  clientMsgId!: string;
}

/**
 * Sends a one-to-one message through logic, which owns the rules for it (receiver exists, body size,
 * deduplication by client id, and who may message whom: GIM_MESSAGING_RULE and blocks, asked of business).
 */
@Injectable()
export class SendMessageUseCase {
  constructor(private readonly messages: MessageSender) {}

  async execute(command: SendMessageCommand): Promise<SentMessage> {
    return this.messages.sendUserMessage({
      senderId: command.senderId,
      senderDeviceId: command.senderDeviceId,
      receiverId: command.userId,
      clientMsgId: command.clientMsgId,
      content: command.content,
    });
  }
}
