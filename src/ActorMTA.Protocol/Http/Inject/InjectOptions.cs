namespace ActorMTA.Protocol.Http.Inject;

/// <summary>Limits and switches of the injection API that HOCON <c>actormta.http.inject</c> sets.</summary>
public sealed record InjectOptions
{
    /// <summary>Recipients one request may carry; more is a 400 <c>too_many_recipients</c>, so one request
    /// cannot tie up a node for as long as it likes.</summary>
    public int MaxRecipients { get; init; } = 10_000;

    /// <summary>When true a template that names a variable the recipient's substitutions lack fails that
    /// recipient instead of rendering it as empty (a "Dear ," greeting is a worse outcome than no mail).</summary>
    public bool StrictVariables { get; init; }

    /// <summary>Liquid steps one rendering may take: a loop over a huge range fails its recipient rather than
    /// spinning a core.</summary>
    public int MaxTemplateSteps { get; init; } = 100_000;

    /// <summary>Characters one rendered field may have: a template cannot blow one message up without bound.</summary>
    public int MaxRenderedLength { get; init; } = 10 * 1024 * 1024;
}
