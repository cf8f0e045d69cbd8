namespace Convotron.Generator.Models
{
    /// <summary>Which attribute declared the model.</summary>
    internal enum ConvNetKind
    {
        Strided1D = 1,
        Strided2D = 2,
    }

    /// <summary>
    /// Everything the emitter needs to write one model class: where it lives and its
    /// validated geometry and activation. A strided 1D geometry (r, s, d) is stored as the
    /// one-row image it is: rh = 1, rw = r, sh = 1, sw = s, height = 1, width = d. With C channels the input is C
    /// such images channel-major (index c·height·width + row·width + col) and the filter C windows (c·rh·rw + i·rw + j).
    /// </summary>
    internal sealed record ConvNetModel(
        string? Namespace,
        EquatableArray<ContainingTypeInfo> ContainingTypes,
        string ClassName,
        string FullName,
        string HintName,
        bool IsListedInRegistry,
        ConvNetKind Kind,
        int RH,
        int RW,
        int SH,
        int SW,
        int Height,
        int Width,
        double Alpha,
        int Channels = 1)
    {
        public bool Is2D => Kind == ConvNetKind.Strided2D;

        /// <summary>The window size of one channel, rh·rw (r in 1D).</summary>
        public int Window => RH * RW;

        /// <summary>The input size of one channel, height·width (d in 1D).</summary>
        public int ChannelSize => Height * Width;

        /// <summary>The filter size r of the whole filter: channels·rh·rw (channels·r in 1D).</summary>
        public int R => Channels * Window;

        /// <summary>The input size d: channels·height·width (channels·d in 1D).</summary>
        public int D => Channels * ChannelSize;
    }

    /// <summary>The outcome of reading one attributed class: a model (null when invalid) and its diagnostics.</summary>
    internal sealed record ParseResult(ConvNetModel? Model, EquatableArray<DiagnosticInfo> Diagnostics);
}
