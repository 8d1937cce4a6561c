using ActorMTA.Protocol.Http.Inject;
using Xunit;

namespace ActorMTA.Protocol.Tests.Http.Inject;

public class InjectTemplateTests
{
    private static InjectTemplate Parse(string subject, string? text = null, string? html = null, IReadOnlyDictionary<string, object?>? globals = null, InjectOptions? options = null)
    {
        var content = new InjectAssembledContent(new InjectAddress("s@sender.example", null), null, subject, text ?? "", html, [], []);
        Assert.True(InjectTemplate.TryParse(content, globals ?? InjectRecipient.NoSubstitutions, options ?? new InjectOptions(), out var template, out var error), error?.Message);
        return template;
    }

    private static InjectRendering Render(InjectTemplate template, InjectRecipient recipient)
    {
        Assert.True(template.TryRender(recipient, out var rendering, out var failure), failure);
        return rendering;
    }

    [Fact]
    public void Recipient_substitutions_override_identity_which_overrides_globals()
    {
        var globals = new Dictionary<string, object?> { ["name"] = "Customer", ["greeting"] = "Hello", ["email"] = "global@example.com" };
        var template = Parse("{{ greeting }} {{ name }} <{{ email }}>", globals: globals);

        Assert.Equal("Hello Customer <a@example.com>", Render(template, new("a@example.com", null, InjectRecipient.NoSubstitutions)).Subject);
        Assert.Equal("Hello Ann <a@example.com>", Render(template, new("a@example.com", "Ann", InjectRecipient.NoSubstitutions)).Subject);
        Assert.Equal("Hi Ann <a@example.com>", Render(template, new("a@example.com", "Ann", new Dictionary<string, object?> { ["greeting"] = "Hi" })).Subject);
    }

    [Fact]
    public void Only_the_html_body_is_html_encoded_and_letters_stay_letters()
    {
        var template = Parse("{{ v }}", "{{ v }}", "<i>{{ v }}</i>");
        var rendering = Render(template, new("a@example.com", null, new Dictionary<string, object?> { ["v"] = "Zoë <b>&" }));

        Assert.Equal("Zoë <b>&", rendering.Subject);
        Assert.Equal("Zoë <b>&", rendering.TextBody);
        Assert.Equal("<i>Zoë &lt;b&gt;&amp;</i>", rendering.HtmlBody);
    }

    [Fact]
    public void Nested_substitutions_and_loops_render()
    {
        var substitutions = new Dictionary<string, object?>
        {
            ["order"] = new Dictionary<string, object?> { ["id"] = 42m, ["lines"] = new List<object?> { "tea", "cake" } },
        };
        var template = Parse("Order {{ order.id }}", "{% for l in order.lines %}- {{ l | upcase }}\n{% endfor %}");
        var rendering = Render(template, new("a@example.com", null, substitutions));

        Assert.Equal("Order 42", rendering.Subject);
        Assert.Equal("- TEA\n- CAKE\n", rendering.TextBody);
    }

    [Fact]
    public void Rendered_output_over_the_limit_fails_the_recipient()
    {
        var template = Parse("s", "{% for i in (1..200) %}0123456789{% endfor %}", options: new InjectOptions { MaxRenderedLength = 1000 });
        Assert.False(template.TryRender(new("a@example.com", null, InjectRecipient.NoSubstitutions), out _, out var failure));
        Assert.NotEmpty(failure);
    }
}
