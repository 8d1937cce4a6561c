namespace ActorMTA.Server.Checks.Rspamd;

/// <summary>
/// Where and how to reach Rspamd. <paramref name="Url"/> is the normal (scanning) worker, e.g. http://127.0.0.1:11333;
/// <paramref name="ControllerUrl"/> is the controller that learns (Rspamd's default port 11334), the scanner's URL when
/// not given. <paramref name="Password"/> is sent as the controller's <c>Password</c> header when set.
/// <paramref name="Timeout"/> bounds each request as a whole (connect, upload, Rspamd's work, reply).
/// Messages larger than <paramref name="MaxMessageSize"/> bytes are not sent at all.
/// <paramref name="LearnTimeout"/> bounds a learn request (<paramref name="Timeout"/> when not given): nobody waits
/// on a learn, and the controller scans the message again and writes its statfiles before it answers, which on a
/// busy host takes longer than a scan should be allowed to hold up an SMTP session.
/// </summary>
public sealed record RspamdOptions(Uri Url, Uri? ControllerUrl, string? Password, TimeSpan Timeout, int MaxMessageSize, TimeSpan? LearnTimeout = null)
{
    public TimeSpan EffectiveLearnTimeout => LearnTimeout ?? Timeout;

    /// <summary>
    /// The waits between attempts of a learn that failed for a passing reason (a locked statfile, a controller still
    /// loading): about 35 s in all, since a learn is advice that may wait, and on a busy host Rspamd's sqlite statfiles
    /// stayed locked ("cannot commit checkpoint: database is locked") past the 4 s of a shorter schedule.
    /// </summary>
    public IReadOnlyList<TimeSpan> LearnRetryDelays { get; init; } =
        [TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(6), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(15)];

    /// <summary>The controller to learn at: <see cref="ControllerUrl"/> or, without one, <see cref="Url"/>.</summary>
    public Uri EffectiveControllerUrl => ControllerUrl ?? Url;
}
