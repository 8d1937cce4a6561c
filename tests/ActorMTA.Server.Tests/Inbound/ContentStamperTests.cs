using System.Text;
using ActorMTA.Server.Inbound;
using ActorMTA.Storage.Content;
using Xunit;

namespace ActorMTA.Server.Tests.Inbound;

public sealed class ContentStamperTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "actormta-stamp-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    [Theory]
    [InlineData(0)] // rewritten in its own file
    [InlineData(ContentStamper.InPlaceLimit)] // copied into a new file
    public async Task Fields_go_after_the_return_path_and_forged_results_of_our_name_are_removed(int padding)
    {
        using var store = new FileContentStore(new ContentStoreOptions(_dir));
        var original = store.BeginWrite("q1");
        const string returnPath = "Return-Path: <a@example.com>\r\n";
        var message = returnPath +
                      "Received: from x by mx.example\r\n" +
                      "Authentication-Results: MX.example;\r\n\tspf=pass smtp.mailfrom=forged\r\n" +
                      "Authentication-Results: other.example; dkim=pass\r\n" +
                      "Subject: hi\r\n\r\n" +
                      "Authentication-Results: mx.example; in the body stays\r\n" +
                      new string('x', padding);
        original.Stream.Write(Encoding.ASCII.GetBytes(message));
        var stamped = await ContentStamper.StampAsync(store, original, returnPath.Length, "X-Added: 1\r\n", "mx.example", 1 << 20, CancellationToken.None);
        var references = await store.CommitAsync(stamped, 1);
        using var read = new StreamReader(store.OpenRead(references[0]));
        Assert.Equal(
            returnPath + "X-Added: 1\r\n" +
            "Received: from x by mx.example\r\n" +
            "Authentication-Results: other.example; dkim=pass\r\n" +
            "Subject: hi\r\n\r\n" +
            "Authentication-Results: mx.example; in the body stays\r\n" + new string('x', padding), await read.ReadToEndAsync());
        Assert.Equal(padding == 0, ReferenceEquals(original, stamped));
    }

    [Fact]
    public async Task A_message_with_no_body_keeps_its_whole_header()
    {
        using var store = new FileContentStore(new ContentStoreOptions(_dir));
        var original = store.BeginWrite("q2");
        const string returnPath = "Return-Path: <>\r\n";
        original.Stream.Write(Encoding.ASCII.GetBytes(returnPath + "Subject: only a header\r\n"));
        var stamped = await ContentStamper.StampAsync(store, original, returnPath.Length, "X-Added: 1\r\n", null, 1 << 20, CancellationToken.None);
        var references = await store.CommitAsync(stamped, 1);
        using var read = new StreamReader(store.OpenRead(references[0]));
        Assert.Equal(returnPath + "X-Added: 1\r\nSubject: only a header\r\n", await read.ReadToEndAsync());
    }
}
