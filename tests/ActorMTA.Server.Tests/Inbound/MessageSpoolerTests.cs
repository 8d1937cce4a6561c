using System.Text;
using ActorMTA.Server.Inbound;
using ActorMTA.Storage;
using Xunit;

namespace ActorMTA.Server.Tests.Inbound;

public sealed class MessageSpoolerTests
{
    /// <summary>A spool file on a disk that fills up after <paramref name="room"/> bytes.</summary>
    private sealed class FillingWriter(int room) : ContentWriter
    {
        private readonly FullAfter _stream = new(room);
        public override string QueueId => "q1";
        public override Stream Stream => _stream;
        public override long Length => _stream.Length;
        public override void Dispose() => _stream.Dispose();
        public override Stream OpenWritten() => new MemoryStream(_stream.ToArray(), writable: false);

        private sealed class FullAfter(int room) : MemoryStream
        {
            public override void Write(ReadOnlySpan<byte> buffer) => Write(buffer.ToArray(), 0, buffer.Length);

            public override void Write(byte[] buffer, int offset, int count)
            {
                if (Length + count > room) throw new IOException("No space left on device", 28);
                base.Write(buffer, offset, count);
            }
        }
    }

    [Fact]
    public async Task A_failed_write_is_kept_not_thrown_so_the_rest_of_the_data_can_be_read_and_dropped()
    {
        var spooler = new MessageSpooler(new FillingWriter(100), "Received: x\r\n", null, null, 64 * 1024);
        await spooler.WriteAsync(Encoding.ASCII.GetBytes("Subject: a\r\n\r\n" + new string('x', 200) + "\r\n"), CancellationToken.None);
        Assert.NotNull(spooler.StorageFailure);
        // Later chunks are dropped quietly; completing reports the failure.
        await spooler.WriteAsync(Encoding.ASCII.GetBytes("more\r\n"), CancellationToken.None);
        await Assert.ThrowsAsync<IOException>(async () => await spooler.CompleteAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Content_that_fits_has_no_failure()
    {
        var spooler = new MessageSpooler(new FillingWriter(10_000), "Received: x\r\n", null, null, 64 * 1024);
        await spooler.WriteAsync(Encoding.ASCII.GetBytes("Subject: a\r\n\r\nbody\r\n"), CancellationToken.None);
        await spooler.CompleteAsync(CancellationToken.None);
        Assert.Null(spooler.StorageFailure);
    }

    [Theory]
    [InlineData(100, false)]
    [InlineData(100_000, true)]
    [InlineData(0, false)]
    public async Task A_message_that_fits_the_copy_is_only_in_memory_until_written_out(int limit, bool kept)
    {
        var writer = new FillingWriter(1_000_000);
        var spooler = new MessageSpooler(writer, "Received: x\r\n", "Message-ID: <1@h>\r\n", null, 64 * 1024, keepCopyUpTo: limit);
        await spooler.WriteAsync(Encoding.ASCII.GetBytes("Subject: a\nbare line end\r\n\r\n" + new string('x', 150) + "\r\n"), CancellationToken.None);
        await spooler.CompleteAsync(CancellationToken.None);
        var expected = "Received: x\r\nSubject: a\r\nbare line end\r\nMessage-ID: <1@h>\r\n\r\n" + new string('x', 150) + "\r\n";
        Assert.Equal(expected.Length, spooler.Length);

        if (!kept)
        {
            // Past the limit (or no copy asked for): everything, the part kept so far included, is in the file.
            Assert.Null(spooler.Copy);
            Assert.False(spooler.InMemoryOnly);
            Assert.Equal(expected, await new StreamReader(writer.OpenWritten()).ReadToEndAsync());
            return;
        }

        Assert.True(spooler.InMemoryOnly);
        Assert.Equal(0, writer.Length);
        Assert.Equal(expected, Encoding.ASCII.GetString(spooler.Copy!.Value.Span));
        spooler.WriteOut();
        spooler.WriteOut(); // once only
        Assert.False(spooler.InMemoryOnly);
        Assert.Equal(expected, await new StreamReader(writer.OpenWritten()).ReadToEndAsync());
    }

    [Fact]
    public async Task A_failed_write_out_of_the_copy_is_thrown()
    {
        var spooler = new MessageSpooler(new FillingWriter(100), "Received: x\r\n", null, null, 64 * 1024, keepCopyUpTo: 100_000);
        await spooler.WriteAsync(Encoding.ASCII.GetBytes("Subject: a\r\n\r\n" + new string('x', 200) + "\r\n"), CancellationToken.None);
        await spooler.CompleteAsync(CancellationToken.None);
        Assert.Throws<IOException>(spooler.WriteOut);
    }
}
