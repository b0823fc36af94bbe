//---------------------------------------------------------------------------------------------
// fm-synth.ck: a 2-operator FM synth played by gesture-mapper (or Wekinator), in ChucK.
//
// Start:   chuck examples/instruments/fm-synth.ck
//          chuck examples/instruments/fm-synth.ck:12001        (another port)
//          chuck --silent examples/instruments/fm-synth.ck      (no sound card: prints only)
//
// It listens on port 12000 for /wek/outputs with exactly three floats (type tags "fff", as
// Wekinator's own ChucK examples do: a message with other type tags is not delivered), each
// in 0..1: pitch (C2..C6), ratio (modulator 0.5..4 times the pitch), brightness (modulation
// index 0..8). It prints each message it plays. Pair it with the xy-synth example project:
//          mapper headless examples/projects/xy-synth --run
//---------------------------------------------------------------------------------------------

12000 => int port;
if (me.args() > 0) Std.atoi(me.arg(0)) => port;

// the synth: the modulator's output drives the carrier's frequency (sync 2 = FM)
SinOsc mod => SinOsc car => Gain level => dac;
2 => car.sync;
0.1 => level.gain;

fun void play(float pitch, float ratio, float brightness)
{
    Std.mtof(36.0 + 48.0 * pitch) => float freq;
    freq * (0.5 + 3.5 * ratio) => float modFreq;
    freq => car.freq;
    modFreq => mod.freq;
    8.0 * brightness * modFreq => mod.gain;  // the modulation index times the modulator's freq
}
play(0.5, 0.5, 0.2);

OscIn oin;
OscMsg msg;
port => oin.port;
oin.addAddress("/wek/outputs, fff");
<<< "fm-synth: listening on port", port, "for /wek/outputs fff" >>>;

while (true)
{
    oin => now;
    while (oin.recv(msg))
    {
        msg.getFloat(0) => float pitch;
        msg.getFloat(1) => float ratio;
        msg.getFloat(2) => float brightness;
        <<< "wek-outputs:", pitch, ratio, brightness >>>;
        play(pitch, ratio, brightness);
    }
}
