using System.Text;
using ActorMTA.Protocol.Text;
using Xunit;

namespace ActorMTA.Protocol.Tests.Text;

public class LogSafeTests
{
    [Fact]
    public void Printable_ascii_and_letters_are_kept() =>
        Assert.Equal("MAIL FROM:<jörg@example.org>", LogSafe.Bytes(Encoding.UTF8.GetBytes("MAIL FROM:<jörg@example.org>")));

    [Fact]
    public void Control_characters_become_hex_escapes() =>
        Assert.Equal(@"a\x1b[31mb\x0d\x0ac\x00\x7f", LogSafe.Bytes(Encoding.ASCII.GetBytes("a\x1b[31mb\r\nc\0\x7f")));

    [Fact]
    public void Invalid_utf8_bytes_become_hex_escapes_and_valid_text_after_them_is_kept() =>
        Assert.Equal(@"x\xff\xfeé\xc3", LogSafe.Bytes([(byte)'x', 0xff, 0xfe, 0xc3, 0xa9, 0xc3]));

    [Fact]
    public void Backslash_is_escaped_so_an_escape_cannot_be_forged() =>
        Assert.Equal(@"\\x1b", LogSafe.Bytes(Encoding.ASCII.GetBytes(@"\x1b")));

    [Fact]
    public void Text_escapes_controls_replacement_characters_and_bidi_overrides()
    {
        Assert.Equal(@"user\x1b\ufffd", LogSafe.Text("user\x1b\uFFFD"));
        Assert.Equal(@"a\u202eb", LogSafe.Text("a\u202Eb"));
        Assert.Equal(@"\ud800x", LogSafe.Text("\uD800x"));
    }

    [Fact]
    public void Clean_text_is_returned_as_is_and_null_is_empty()
    {
        const string clean = "alice@example.org";
        Assert.Same(clean, LogSafe.Text(clean));
        Assert.Equal("", LogSafe.Text(null));
    }

    [Fact]
    public void Long_input_is_cut_with_an_ellipsis()
    {
        Assert.Equal(LogSafe.MaxLength + 3, LogSafe.Bytes(new byte[10_000].AsSpan().ToArray().Select(_ => (byte)'a').ToArray()).Length);
        Assert.EndsWith("...", LogSafe.Text(new string('b', 10_000)));
    }
}
