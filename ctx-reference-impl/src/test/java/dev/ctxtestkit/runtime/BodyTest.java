package dev.ctxtestkit.runtime;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class BodyTest {
    private static final int FIVE_MIB = 5 * 1024 * 1024;

    static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(5, SECONDS);
    }

    static byte[] randomBytes(int size) {
        byte[] data = new byte[size];
        new Random(42).nextBytes(data);
        return data;
    }

    @Nested
    class SingleUse {

        @Test
        void body1_bytesReadsEverythingAndMarksUsed() throws Exception {
            Body body = Body.of("héllo");

            assertThat(body.used()).isFalse();
            assertThat(await(body.bytes())).isEqualTo("héllo".getBytes(UTF_8));
            assertThat(body.used()).isTrue();
        }

        @Test
        void body1_secondBytesCompletesExceptionallyWithAlreadyUsed() throws Exception {
            Body body = Body.of("once");
            await(body.bytes());

            CompletionStage<byte[]> second = body.bytes(); // must not throw synchronously

            assertThatThrownBy(() -> await(second))
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(IllegalStateException.class).hasMessage(Body.ALREADY_USED);
        }

        @Test
        void body1_textAfterReaderCompletesExceptionallyWithAlreadyUsed() {
            Body body = Body.of("once");
            body.reader();

            assertThatThrownBy(() -> await(body.text()))
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(IllegalStateException.class).hasMessage(Body.ALREADY_USED);
        }

        @Test
        void body1_readerTwiceThrows() {
            Body body = Body.of("once");
            body.reader();

            assertThatThrownBy(body::reader).isInstanceOf(IllegalStateException.class).hasMessage(Body.ALREADY_USED);
            assertThatThrownBy(body::tee).isInstanceOf(IllegalStateException.class).hasMessage(Body.ALREADY_USED);
        }

        @Test
        void body1_readerMarksUsedBeforeAnyRead() {
            Body body = Body.of("x");

            body.reader();

            assertThat(body.used()).isTrue();
        }

        @Test
        void alreadyUsedMessageIsTheWorkerdText() {
            assertThat(Body.ALREADY_USED)
                    .isEqualTo("Body has already been used. It can only be used once. Use tee() first if you need to read it twice.");
        }

        @Test
        void lengthIsKnownForBytesAndUnknownForAPipe() {
            assertThat(Body.of("héllo").length()).isEqualTo(6);
            assertThat(Body.empty().length()).isZero();
            assertThat(Body.of(new BodyPipe().source()).length()).isEqualTo(-1);
        }

        @Test
        void emptyBodyReadsAsNoBytes() throws Exception {
            assertThat(await(Body.empty().bytes())).isEmpty();
            assertThat(await(Body.empty().reader().read())).isNull();
        }

        @Test
        void readerHonoursMaxBytesAndEndsWithNull() throws Exception {
            BodyReader reader = Body.of("abcdefg").reader();

            assertThat(new String(await(reader.read(3)), UTF_8)).isEqualTo("abc");
            assertThat(new String(await(reader.read(3)), UTF_8)).isEqualTo("def");
            assertThat(new String(await(reader.read(3)), UTF_8)).isEqualTo("g");
            assertThat(await(reader.read(3))).isNull();
        }

        @Test
        void cancelledReaderEndsAndCancelsTheSource() throws Exception {
            ByteSource source = ByteSource.of("abcdef".getBytes(UTF_8));
            BodyReader reader = Body.of(source).reader();
            await(reader.read(2));

            reader.cancel();

            assertThat(await(reader.read(2))).isNull();
            assertThatThrownBy(() -> await(source.read(2)))
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(IllegalStateException.class).hasMessageContaining("cancelled");
        }

        @Test
        void bytesOfAnErroringStreamCompletesExceptionallyWithTheStreamError() {
            BodyPipe pipe = new BodyPipe();
            CompletionStage<byte[]> bytes = Body.of(pipe.source()).bytes();
            pipe.write("partial".getBytes(UTF_8));
            RuntimeException boom = new RuntimeException("stream broke");
            pipe.error(boom);

            assertThatThrownBy(() -> await(bytes))
                    .isInstanceOf(ExecutionException.class)
                    .cause().isSameAs(boom);
        }
    }

    @Nested
    class Tee {

        @Test
        void body2_bothBranchesGetTheFullContentAndTheOriginalIsUsed() throws Exception {
            Body body = Body.of("tee me");

            Body[] branches = body.tee();

            assertThat(body.used()).isTrue();
            assertThat(branches).hasSize(2);
            assertThat(branches[0].used()).isFalse();
            assertThat(branches[1].used()).isFalse();
            assertThat(await(branches[0].text())).isEqualTo("tee me");
            assertThat(await(branches[1].text())).isEqualTo("tee me");
        }

        @Test
        void body2_multiChunkSourceReadFullyByOneBranchThenTheOther() throws Exception {
            byte[] data = randomBytes(10_000);
            Body[] branches = Body.of(ByteSource.of(data, 7)).tee();

            assertThat(await(branches[0].bytes())).isEqualTo(data);
            assertThat(await(branches[1].bytes())).isEqualTo(data);
        }

        @Test
        void body2_multiChunkSourceReadInterleavedWithDifferentChunkSizes() throws Exception {
            byte[] data = randomBytes(1_000);
            Body[] branches = Body.of(ByteSource.of(data, 64)).tee();
            BodyReader a = branches[0].reader();
            BodyReader b = branches[1].reader();
            java.io.ByteArrayOutputStream outA = new java.io.ByteArrayOutputStream();
            java.io.ByteArrayOutputStream outB = new java.io.ByteArrayOutputStream();
            boolean aDone = false;
            boolean bDone = false;

            while (!aDone || !bDone) {
                if (!aDone) {
                    byte[] chunk = await(a.read(13));
                    if (chunk == null) {
                        aDone = true;
                    } else {
                        assertThat(chunk.length).isBetween(1, 13);
                        outA.writeBytes(chunk);
                    }
                }
                if (!bDone) {
                    byte[] chunk = await(b.read(100));
                    if (chunk == null) {
                        bDone = true;
                    } else {
                        assertThat(chunk.length).isBetween(1, 100);
                        outB.writeBytes(chunk);
                    }
                }
            }

            assertThat(outA.toByteArray()).isEqualTo(data);
            assertThat(outB.toByteArray()).isEqualTo(data);
        }

        @Test
        void body2_branchesKeepTheKnownLength() {
            Body[] branches = Body.of(new byte[123]).tee();

            assertThat(branches[0].length()).isEqualTo(123);
            assertThat(branches[1].length()).isEqualTo(123);
        }

        @Test
        void body2_teeOfAStreamWrittenLaterDeliversToBothBranches() throws Exception {
            BodyPipe pipe = new BodyPipe();
            Body[] branches = Body.of(pipe.source()).tee();
            CompletableFuture<String> a = branches[0].text().toCompletableFuture();
            CompletableFuture<String> b = branches[1].text().toCompletableFuture();

            pipe.write("one,".getBytes(UTF_8));
            pipe.write("two,".getBytes(UTF_8));
            assertThat(a).isNotDone();
            pipe.write("three".getBytes(UTF_8));
            pipe.close();

            assertThat(a.get(5, SECONDS)).isEqualTo("one,two,three");
            assertThat(b.get(5, SECONDS)).isEqualTo("one,two,three");
        }

        @Test
        void body2_upstreamErrorReachesBothBranchesAfterTheChunksBeforeIt() throws Exception {
            BodyPipe pipe = new BodyPipe();
            Body[] branches = Body.of(pipe.source()).tee();
            BodyReader a = branches[0].reader();
            BodyReader b = branches[1].reader();
            RuntimeException boom = new RuntimeException("upstream broke");
            CompletionStage<byte[]> first = a.read(); // pending: the tee waits on the pipe
            pipe.write("ok".getBytes(UTF_8));
            pipe.error(boom);

            assertThat(new String(await(first), UTF_8)).isEqualTo("ok");
            assertThatThrownBy(() -> await(a.read())).isInstanceOf(ExecutionException.class).cause().isSameAs(boom);
            assertThat(new String(await(b.read()), UTF_8)).isEqualTo("ok");
            assertThatThrownBy(() -> await(b.read())).isInstanceOf(ExecutionException.class).cause().isSameAs(boom);
        }

        @Test
        void body2_branchCanItselfBeTeedAgain() throws Exception {
            Body[] first = Body.of(ByteSource.of("nested".getBytes(UTF_8), 2)).tee();
            Body[] second = first[1].tee();

            assertThat(await(first[0].text())).isEqualTo("nested");
            assertThat(await(second[0].text())).isEqualTo("nested");
            assertThat(await(second[1].text())).isEqualTo("nested");
        }
    }

    @Nested
    class Pipe {

        @Test
        void writeWithNoReadPendingQueuesTheChunk() throws Exception {
            BodyPipe pipe = new BodyPipe();
            ByteSource source = pipe.source();

            pipe.write("ab".getBytes(UTF_8));
            pipe.write("cd".getBytes(UTF_8));
            pipe.close();

            assertThat(new String(await(source.read(10)), UTF_8)).isEqualTo("ab");
            assertThat(new String(await(source.read(10)), UTF_8)).isEqualTo("cd");
            assertThat(await(source.read(10))).isNull();
        }

        @Test
        void chunksWrittenToPendingReadsArriveInOrderAndCloseEndsTheStream() throws Exception {
            BodyPipe pipe = new BodyPipe();
            ByteSource source = pipe.source();

            CompletionStage<byte[]> first = source.read(10);
            pipe.write("ab".getBytes(UTF_8));
            CompletionStage<byte[]> second = source.read(10);
            pipe.write("cd".getBytes(UTF_8));
            CompletionStage<byte[]> end = source.read(10);
            pipe.close();

            assertThat(new String(await(first), UTF_8)).isEqualTo("ab");
            assertThat(new String(await(second), UTF_8)).isEqualTo("cd");
            assertThat(await(end)).isNull();
            assertThat(await(source.read(10))).isNull();
            assertThat(source.length()).isEqualTo(-1);
        }

        @Test
        void pendingReadIsCompletedByTheNextWrite() throws Exception {
            BodyPipe pipe = new BodyPipe();
            CompletableFuture<byte[]> read = pipe.source().read(10).toCompletableFuture();

            assertThat(read).isNotDone();
            pipe.write("late".getBytes(UTF_8));

            assertThat(new String(read.get(5, SECONDS), UTF_8)).isEqualTo("late");
        }

        @Test
        void pendingReadIsCompletedWithNullByClose() throws Exception {
            BodyPipe pipe = new BodyPipe();
            CompletableFuture<byte[]> read = pipe.source().read(10).toCompletableFuture();

            pipe.close();

            assertThat(read.get(5, SECONDS)).isNull();
        }

        @Test
        void pendingReadFailsWithTheError() {
            BodyPipe pipe = new BodyPipe();
            CompletableFuture<byte[]> read = pipe.source().read(10).toCompletableFuture();
            IllegalStateException boom = new IllegalStateException("producer failed");

            pipe.error(boom);

            assertThatThrownBy(() -> read.get(5, SECONDS)).isInstanceOf(ExecutionException.class).cause().isSameAs(boom);
        }

        @Test
        void bytesQueuedBeforeAnErrorAreStillDelivered() throws Exception {
            BodyPipe pipe = new BodyPipe();
            RuntimeException boom = new RuntimeException("late failure");
            CompletionStage<byte[]> first = pipe.source().read(2);
            pipe.write("kept".getBytes(UTF_8)); // "ke" to the pending read, "pt" stays queued
            pipe.error(boom);

            assertThat(new String(await(first), UTF_8)).isEqualTo("ke");
            assertThat(new String(await(pipe.source().read(10)), UTF_8)).isEqualTo("pt");
            assertThatThrownBy(() -> await(pipe.source().read(10))).isInstanceOf(ExecutionException.class).cause().isSameAs(boom);
        }

        @Test
        void largeChunkIsSplitToMaxBytes() throws Exception {
            BodyPipe pipe = new BodyPipe();
            CompletionStage<byte[]> first = pipe.source().read(3);
            pipe.write("abcdefgh".getBytes(UTF_8));
            pipe.close();

            assertThat(new String(await(first), UTF_8)).isEqualTo("abc");
            assertThat(new String(await(pipe.source().read(3)), UTF_8)).isEqualTo("def");
            assertThat(new String(await(pipe.source().read(3)), UTF_8)).isEqualTo("gh");
            assertThat(await(pipe.source().read(3))).isNull();
        }

        @Test
        void pendingReadCompletedByAWriteIsCappedAtItsMaxBytes() throws Exception {
            BodyPipe pipe = new BodyPipe();
            CompletableFuture<byte[]> read = pipe.source().read(2).toCompletableFuture();

            pipe.write("abcde".getBytes(UTF_8));
            pipe.close();

            assertThat(new String(read.get(5, SECONDS), UTF_8)).isEqualTo("ab");
            assertThat(new String(await(pipe.source().read(10)), UTF_8)).isEqualTo("cde");
        }

        @Test
        void writeCopiesTheCallersArray() throws Exception {
            BodyPipe pipe = new BodyPipe();
            byte[] chunk = "safe".getBytes(UTF_8);
            CompletionStage<byte[]> first = pipe.source().read(2);
            pipe.write(chunk);
            chunk[2] = 'X';
            chunk[3] = 'X';

            assertThat(new String(await(first), UTF_8)).isEqualTo("sa");
            assertThat(new String(await(pipe.source().read(10)), UTF_8)).isEqualTo("fe");
        }

        @Test
        void emptyChunksAreIgnored() throws Exception {
            BodyPipe pipe = new BodyPipe();
            CompletableFuture<byte[]> read = pipe.source().read(10).toCompletableFuture();

            pipe.write(new byte[0]);

            assertThat(read).isNotDone();
            pipe.write("x".getBytes(UTF_8));
            assertThat(read.get(5, SECONDS)).containsExactly('x');
        }

        @Test
        void writeAfterCloseOrErrorThrows() {
            BodyPipe closed = new BodyPipe();
            closed.close();
            BodyPipe errored = new BodyPipe();
            errored.error(new RuntimeException("x"));

            assertThatThrownBy(() -> closed.write(new byte[] {1}))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
            assertThatThrownBy(() -> errored.write(new byte[] {1}))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("errored");
        }

        @Test
        void closeAndErrorAfterTheEndChangeNothing() throws Exception {
            BodyPipe pipe = new BodyPipe();
            pipe.close();
            pipe.close();
            pipe.error(new RuntimeException("ignored"));

            assertThat(await(pipe.source().read(10))).isNull();
        }

        @Test
        void aSecondOutstandingReadIsRejected() {
            BodyPipe pipe = new BodyPipe();
            pipe.source().read(10);

            assertThatThrownBy(() -> pipe.source().read(10))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("already outstanding");
        }

        @Test
        void nonPositiveMaxBytesIsRejected() {
            assertThatThrownBy(() -> new BodyPipe().source().read(0)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> ByteSource.of(new byte[1]).read(-1)).isInstanceOf(IllegalArgumentException.class);
        }

        @Test
        void cancellingTheSourceErrorsThePipe() {
            BodyPipe pipe = new BodyPipe();
            IllegalStateException reason = new IllegalStateException("consumer gone");

            pipe.source().cancel(reason);

            assertThatThrownBy(() -> pipe.write(new byte[] {1})).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> await(pipe.source().read(1))).isInstanceOf(ExecutionException.class).cause().isSameAs(reason);
        }

        @Test
        void streamsChunksWrittenFromAnotherThread() throws Exception {
            BodyPipe pipe = new BodyPipe();
            CompletableFuture<String> text = Body.of(pipe.source()).text().toCompletableFuture();

            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < 100; i++) {
                    pipe.write(Integer.toString(i % 10).getBytes(UTF_8));
                }
                pipe.close();
            });

            writer.get(5, SECONDS);
            assertThat(text.get(5, SECONDS)).hasSize(100).startsWith("0123456789").endsWith("789");
        }
    }

    @Nested
    class LargeBodies {

        @Test
        void fiveMibInSixteenByteSynchronousChunksDoesNotOverflowTheStack() throws Exception {
            byte[] data = randomBytes(FIVE_MIB);

            byte[] read = await(Body.of(ByteSource.of(data, 16)).bytes());

            assertThat(read).isEqualTo(data);
        }

        @Test
        void fiveMibPreWrittenToAPipeInSmallChunksDoesNotOverflowTheStack() throws Exception {
            byte[] data = randomBytes(FIVE_MIB);
            BodyPipe pipe = new BodyPipe();
            for (int offset = 0; offset < data.length; offset += 32) {
                pipe.write(java.util.Arrays.copyOfRange(data, offset, offset + 32));
            }
            pipe.close();

            assertThat(await(Body.of(pipe.source()).bytes())).isEqualTo(data);
        }

        @Test
        void fiveMibWrittenWhileBeingReadDoesNotOverflowTheStack() throws Exception {
            byte[] data = randomBytes(FIVE_MIB);
            BodyPipe pipe = new BodyPipe();
            CompletableFuture<byte[]> read = Body.of(pipe.source()).bytes().toCompletableFuture();

            for (int offset = 0; offset < data.length; offset += 64) {
                pipe.write(java.util.Arrays.copyOfRange(data, offset, offset + 64));
            }
            pipe.close();

            assertThat(read.get(10, SECONDS)).isEqualTo(data);
        }

        @Test
        void fiveMibTeedFromSmallChunksGivesBothBranchesEverything() throws Exception {
            byte[] data = randomBytes(FIVE_MIB);
            Body[] branches = Body.of(ByteSource.of(data, 16)).tee();

            assertThat(await(branches[0].bytes())).isEqualTo(data);
            assertThat(await(branches[1].bytes())).isEqualTo(data);
        }
    }
}
