import { ArrayMaxSize, IsInt, IsString, Length, Max, MaxLength, Min } from 'class-validator';

const MAX_ID = Number.MAX_SAFE_INTEGER;

/** MomentExtService.Post arguments; whether each URL is a file of the caller's is MomentUseCases.post's check. */
export class PostMomentFields {
  @IsString() @MaxLength(2000) text!: string;
  @ArrayMaxSize(9)
  @IsString({ each: true })
  @MaxLength(512, { each: true })
  fileUrls!: string[];
}

/** Arguments naming a moment. */
export class MomentIdFields {
  @IsInt() @Min(1) @Max(MAX_ID) momentId!: number;
}

/** MomentExtService.Comment arguments. */
export class CommentFields extends MomentIdFields {
  @IsString() @Length(1, 500) text!: string;
}

/** MomentExtService.DeleteComment arguments. */
export class CommentIdFields {
  @IsInt() @Min(1) @Max(MAX_ID) commentId!: number;
}

/** MomentExtService.Timeline arguments. */
export class TimelineFields {
  @IsInt() @Min(0) @Max(MAX_ID) beforeId!: number;
  /** 0 asks for the default page; anything above the maximum is capped */
  @IsInt() @Min(0) @Max(2 ** 32 - 1) limit!: number;
}
