using System.Diagnostics.CodeAnalysis;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using Fluid;
using Fluid.Values;

namespace ActorMTA.Protocol.Http.Inject;

/// <summary>
/// The Liquid templates of one request (subject, header values, text and HTML bodies), parsed once by
/// <see cref="TryParse"/> and rendered per recipient by <see cref="TryRender"/>. A template that does not
/// parse refuses the whole request; one that fails to render fails only the recipient it was rendered for.
/// Variables, from lowest to highest precedence: the request's global substitutions, the recipient's
/// <c>email</c> and <c>name</c>, the recipient's own substitutions.
/// </summary>
public sealed class InjectTemplate
{
    // FluidParser is thread-safe once built and costly to build: one for the process.
    private static readonly FluidParser Parser = new();

    // Only the HTML body is encoded, and only what HTML needs: Liquid's HtmlEncoder.Default would also turn
    // every accented letter of a French newsletter into a numeric entity.
    private static readonly TextEncoder HtmlEncoding = HtmlEncoder.Create(UnicodeRanges.All);

    // Injected templates come from API clients: include and render must not read the server's files.
    private static readonly ITemplateFileProvider NoFiles = new DelegateTemplateFileProvider(
        (_, _, _) => throw new InvalidOperationException("include, render and from are not available in injected templates."));

    private readonly TemplateOptions _templateOptions;
    private readonly int _maxRenderedLength;
    private readonly IReadOnlyList<KeyValuePair<string, FluidValue>> _globals;
    private readonly IFluidTemplate _subject;
    private readonly IReadOnlyList<KeyValuePair<string, IFluidTemplate>> _headers;
    private readonly IFluidTemplate? _textBody;
    private readonly IFluidTemplate? _htmlBody;

    private InjectTemplate(
        TemplateOptions templateOptions, int maxRenderedLength, IReadOnlyList<KeyValuePair<string, FluidValue>> globals,
        IFluidTemplate subject, IReadOnlyList<KeyValuePair<string, IFluidTemplate>> headers, IFluidTemplate? textBody, IFluidTemplate? htmlBody)
    {
        _templateOptions = templateOptions;
        _maxRenderedLength = maxRenderedLength;
        _globals = globals;
        _subject = subject;
        _headers = headers;
        _textBody = textBody;
        _htmlBody = htmlBody;
    }

    public static bool TryParse(
        InjectAssembledContent content, IReadOnlyDictionary<string, object?> globalSubstitutions, InjectOptions options,
        [NotNullWhen(true)] out InjectTemplate? template, [NotNullWhen(false)] out InjectError? error)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(globalSubstitutions);
        ArgumentNullException.ThrowIfNull(options);
        template = null;
        if (!TryParseOne(content.Subject, "content.subject", out var subject, out error)) return false;
        var headers = new List<KeyValuePair<string, IFluidTemplate>>(content.Headers.Count);
        foreach (var (name, value) in content.Headers)
        {
            if (!TryParseOne(value, $"content.headers.{name}", out var header, out error)) return false;
            headers.Add(new(name, header));
        }
        IFluidTemplate? text = null, html = null;
        if (content.TextBody is not null && !TryParseOne(content.TextBody, "content.text_body", out text, out error)) return false;
        if (content.HtmlBody is not null && !TryParseOne(content.HtmlBody, "content.html_body", out html, out error)) return false;

        var templateOptions = new TemplateOptionsBuilder()
            .WithStrictVariables(options.StrictVariables)
            .WithMaxSteps(options.MaxTemplateSteps)
            .WithMaxOutputSize(options.MaxRenderedLength)
            .WithFileProvider(NoFiles)
            .Build();
        var globals = globalSubstitutions.Select(pair => new KeyValuePair<string, FluidValue>(pair.Key, FluidValue.Create(pair.Value, templateOptions))).ToList();
        template = new InjectTemplate(templateOptions, options.MaxRenderedLength, globals, subject, headers, text, html);
        return true;
    }

    /// <summary>
    /// Renders every field for <paramref name="recipient"/>. False with <paramref name="failure"/> saying why
    /// when a template fails (an unknown variable in strict mode, a filter error, too many steps) or when a
    /// rendered header value would hold a line break, which would let a substitution forge headers.
    /// </summary>
    public bool TryRender(InjectRecipient recipient, [NotNullWhen(true)] out InjectRendering? rendering, [NotNullWhen(false)] out string? failure)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        rendering = null;
        var context = ContextFor(recipient);
        try
        {
            var subject = _subject.Render(context, NullEncoder.Default, false);
            if (!CheckHeaderValue("Subject", subject, out failure)) return false;
            var headers = new List<KeyValuePair<string, string>>(_headers.Count);
            foreach (var (name, template) in _headers)
            {
                var value = template.Render(context, NullEncoder.Default, false);
                if (!CheckHeaderValue(name, value, out failure)) return false;
                headers.Add(new(name, value));
            }
            var text = _textBody?.Render(context, NullEncoder.Default, false);
            var html = _htmlBody?.Render(context, HtmlEncoding, false);
            if (text?.Length > _maxRenderedLength || html?.Length > _maxRenderedLength)
            {
                failure = $"A rendered body is longer than {_maxRenderedLength} characters.";
                return false;
            }
            rendering = new InjectRendering(subject, headers, text, html);
            failure = null;
            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Fluid reports a strict-mode miss, a filter's own error and the step limit as different exception
            // types; to the recipient's sender they are all "this template failed for this recipient".
            failure = $"Template error: {e.Message}";
            return false;
        }
    }

    private TemplateContext ContextFor(InjectRecipient recipient)
    {
        var context = new TemplateContext(_templateOptions);
        foreach (var (name, value) in _globals)
        {
            context.SetValue(name, value);
        }
        context.SetValue("email", FluidValue.Create(recipient.Email, _templateOptions));
        if (recipient.Name is not null) context.SetValue("name", FluidValue.Create(recipient.Name, _templateOptions));
        foreach (var (name, value) in recipient.Substitutions)
        {
            context.SetValue(name, FluidValue.Create(value, _templateOptions));
        }
        return context;
    }

    private bool CheckHeaderValue(string name, string value, [NotNullWhen(false)] out string? failure)
    {
        if (!InjectHeaderField.IsValidValue(value))
        {
            failure = $"The rendered {name} header contains a line break or control character.";
            return false;
        }
        if (value.Length > _maxRenderedLength)
        {
            failure = $"The rendered {name} header is longer than {_maxRenderedLength} characters.";
            return false;
        }
        failure = null;
        return true;
    }

    private static bool TryParseOne(string source, string field, [NotNullWhen(true)] out IFluidTemplate? template, [NotNullWhen(false)] out InjectError? error)
    {
        if (Parser.TryParse(source, out template, out var message))
        {
            error = null;
            return true;
        }
        // Fluid appends the whole template source after the position; the client has that already.
        var firstLine = message.Split('\n', 2)[0].TrimEnd('\r');
        error = InjectError.BadRequest(InjectError.InvalidTemplate, $"{field} is not a valid Liquid template: {firstLine}");
        return false;
    }
}
